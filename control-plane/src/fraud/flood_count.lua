-- A batch's flood count (control-plane/src/fraud/counts.rs). A script runs alone, so each count
-- sees every count before it.
--
-- KEYS[1]: the state hash: `run` (the run id of the Redis process that counted), `gen` (the
--   generation the counts are kept under, as Postgres has it: `fraud_state.flood_gen`),
--   `since` (from which minute, unix seconds, they are whole), `epoch` (the Postgres epoch,
--   `fraud_state.flood_epoch`, they are whole up to).
-- KEYS[2..]: one hash per minute of the generation, IP -> clicks.
-- ARGV[1]: the epoch the batch read in Postgres; ARGV[2]: the generation its keys are named
--   for (read in Postgres with the epoch); ARGV[3]: the generation its clicks were added to
--   before (`-`: none): they are added only when it is not this one; ARGV[4]: how long a minute
--   is kept after it began (seconds); then per minute key: the minute (unix seconds), the number
--   of IPs to add to, (IP, clicks) each, the number of IPs to read, the IPs.
--
-- Answers {0} when the counts are not whole for this batch (never made, made by another Redis
-- process, behind the epoch: a batch could not count, or of another generation): nothing is
-- added and counting must start again. Otherwise {1, now, since, the counts read in order (0
-- for none)}.
local state = redis.call('HMGET', KEYS[1], 'run', 'gen', 'since', 'epoch')
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
if state[1] ~= run or state[2] ~= ARGV[2] or (tonumber(state[4]) or -1) < tonumber(ARGV[1]) then
    return {0}
end
local add = ARGV[3] ~= ARGV[2]
local keep = tonumber(ARGV[4])
local out = {1, tonumber(redis.call('TIME')[1]), tonumber(state[3])}
local a = 5
for k = 2, #KEYS do
    local minute = tonumber(ARGV[a])
    local adds = tonumber(ARGV[a + 1])
    a = a + 2
    if add then
        for _ = 1, adds do
            redis.call('HINCRBY', KEYS[k], ARGV[a], ARGV[a + 1])
            a = a + 2
        end
        if adds > 0 then
            redis.call('EXPIREAT', KEYS[k], minute + keep)
        end
    else
        a = a + 2 * adds
    end
    -- Read in slices (Lua unpacks at most a few thousand values at once).
    local last = a + tonumber(ARGV[a])
    local i = a + 1
    while i <= last do
        local j = math.min(i + 999, last)
        local got = redis.call('HMGET', KEYS[k], unpack(ARGV, i, j))
        for x = 1, j - i + 1 do
            out[#out + 1] = tonumber(got[x]) or 0
        end
        i = j + 1
    end
    a = last + 1
end
return out
