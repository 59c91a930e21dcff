-- wrk script for the edge benchmarks: cycles through the request paths listed in a file
-- (one per line, e.g. several signed tracking links) and prints the results as one JSON line.
--
--   wrk -t1 -c64 -d20s -H 'User-Agent: ...' -s bench/edge/wrk.lua http://127.0.0.1:PORT -- paths.txt
--
-- Requests are formatted once per thread (headers from -H), so the script adds no work per
-- request beyond picking the next one. The summary line starts with "WRK_JSON ": requests,
-- duration in seconds, requests/s, latency percentiles in milliseconds and wrk's error
-- counts (status = answers that are not 2xx or 3xx). Latencies are wrk's, which include its
-- correction for coordinated omission (a stall also counts for the requests that would
-- have been sent meanwhile).
--
-- WRK_DELAY_MS=N makes every connection wait N ms after each answer before its next
-- request: a lighter, steadier load for measuring latency below saturation.

local requests = {}
local next_index = 0

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s wrk.lua URL -- PATHS_FILE")
  end
  for line in io.lines(file) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  if #requests == 0 then
    error("no paths in " .. file)
  end
end

local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "")
if delay_ms then
  function delay()
    return delay_ms
  end
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
