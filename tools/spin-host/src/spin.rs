//! Spin's host interfaces, the way `spin up` provides them with a Redis runtime config:
//! `spin:key-value` on Redis (keys as they are, like Spin's redis store), `spin:redis`
//! (outbound connections, only to allowed addresses) and `spin:variables` (from flags).

use std::collections::HashMap;
use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use wasmtime::component::{Accessor, HasData, Resource, ResourceTable};

wasmtime::component::bindgen!({
    path: "wit",
    world: "host",
    imports: { default: trappable },
    with: {
        "spin:key-value/key-value.store": KvStore,
        "spin:redis/redis.connection": RedisConnection,
    },
});

use spin::key_value::key_value;
use spin::redis::redis as spin_redis;
use spin::variables::variables;

/// An open key-value store: the Redis connection behind it.
pub struct KvStore(MultiplexedConnection);

/// An open outbound Redis connection.
pub struct RedisConnection(MultiplexedConnection);

/// What the Spin interfaces need, shared by every request.
#[derive(Clone)]
pub struct SpinConfig {
    /// Redis behind the "default" key-value store.
    pub kv_redis: String,
    /// Addresses `spin:redis` may open (spin.toml's allowed_outbound_hosts).
    pub allowed_redis: Arc<Vec<String>>,
    /// Component variables.
    pub variables: Arc<HashMap<String, String>>,
}

/// Per-store state of the Spin interfaces.
pub struct SpinCtx {
    pub config: SpinConfig,
    pub table: ResourceTable,
}

/// Marker for `bindgen!`'s `HasData`: the interfaces see `&mut SpinCtx`.
pub struct Spin;

impl HasData for Spin {
    type Data<'a> = &'a mut SpinCtx;
}

async fn connect(url: &str) -> Result<MultiplexedConnection, String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| e.to_string())
}

// ---- spin:key-value ----

impl key_value::Host for &mut SpinCtx {}

impl key_value::HostStore for &mut SpinCtx {
    fn drop(&mut self, rep: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

fn kv_conn<T>(
    accessor: &Accessor<T, Spin>,
    store: &Resource<KvStore>,
) -> wasmtime::Result<MultiplexedConnection> {
    accessor.with(|mut view| Ok(view.get().table.get(store)?.0.clone()))
}

fn kv_err(e: redis::RedisError) -> key_value::Error {
    key_value::Error::Other(e.to_string())
}

impl<T> key_value::HostStoreWithStore<T> for Spin {
    async fn open(
        accessor: &Accessor<T, Self>,
        label: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, key_value::Error>> {
        // spin.toml grants the component the "default" store only.
        if label != "default" {
            return Ok(Err(key_value::Error::AccessDenied));
        }
        let url = accessor.with(|mut view| view.get().config.kv_redis.clone());
        let conn = match connect(&url).await {
            Ok(conn) => conn,
            Err(e) => return Ok(Err(key_value::Error::Other(e))),
        };
        let store = accessor.with(|mut view| view.get().table.push(KvStore(conn)))?;
        Ok(Ok(store))
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, key_value::Error>> {
        let mut conn = kv_conn(accessor, &store)?;
        Ok(redis::cmd("GET")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(kv_err))
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), key_value::Error>> {
        let mut conn = kv_conn(accessor, &store)?;
        Ok(redis::cmd("SET")
            .arg(key)
            .arg(value)
            .query_async(&mut conn)
            .await
            .map_err(kv_err))
    }

    async fn delete(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), key_value::Error>> {
        let mut conn = kv_conn(accessor, &store)?;
        Ok(redis::cmd("DEL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(kv_err))
    }

    async fn exists(
        accessor: &Accessor<T, Self>,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, key_value::Error>> {
        let mut conn = kv_conn(accessor, &store)?;
        Ok(redis::cmd("EXISTS")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(kv_err))
    }

    async fn get_keys(
        _accessor: &Accessor<T, Self>,
        _store: Resource<KvStore>,
    ) -> wasmtime::Result<(
        wasmtime::component::StreamReader<String>,
        wasmtime::component::FutureReader<Result<(), key_value::Error>>,
    )> {
        // The edge never lists keys; a host for it need not either.
        wasmtime::bail!("get-keys is not provided by this test host")
    }
}

// ---- spin:redis ----

impl spin_redis::Host for &mut SpinCtx {}

impl spin_redis::HostConnection for &mut SpinCtx {
    fn drop(&mut self, rep: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(rep)?;
        Ok(())
    }
}

fn redis_conn<T>(
    accessor: &Accessor<T, Spin>,
    conn: &Resource<RedisConnection>,
) -> wasmtime::Result<MultiplexedConnection> {
    accessor.with(|mut view| Ok(view.get().table.get(conn)?.0.clone()))
}

fn redis_err(e: redis::RedisError) -> spin_redis::Error {
    spin_redis::Error::Other(e.to_string())
}

/// Spin's conversion of a Redis reply into `redis-result`s (arrays are flattened).
fn results(value: redis::Value, out: &mut Vec<spin_redis::RedisResult>) {
    use spin_redis::RedisResult as R;
    match value {
        redis::Value::Nil => out.push(R::Nil),
        redis::Value::Int(n) => out.push(R::Int64(n)),
        redis::Value::BulkString(bytes) => out.push(R::Binary(bytes)),
        redis::Value::SimpleString(s) => out.push(R::Status(s)),
        redis::Value::Okay => out.push(R::Status("OK".into())),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            for item in items {
                results(item, out);
            }
        }
        other => out.push(R::Binary(format!("{other:?}").into_bytes())),
    }
}

impl<T> spin_redis::HostConnectionWithStore<T> for Spin {
    async fn open(
        accessor: &Accessor<T, Self>,
        address: String,
    ) -> wasmtime::Result<Result<Resource<RedisConnection>, spin_redis::Error>> {
        let allowed = accessor.with(|mut view| view.get().config.allowed_redis.clone());
        if !allowed.contains(&address) {
            return Ok(Err(spin_redis::Error::InvalidAddress));
        }
        let conn = match connect(&address).await {
            Ok(conn) => conn,
            Err(e) => return Ok(Err(spin_redis::Error::Other(e))),
        };
        let conn = accessor.with(|mut view| view.get().table.push(RedisConnection(conn)))?;
        Ok(Ok(conn))
    }

    async fn publish(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> wasmtime::Result<Result<(), spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("GET")
            .arg(key)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("SET")
            .arg(key)
            .arg(value)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn incr(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("INCR")
            .arg(key)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn del(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn sadd(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("SADD")
            .arg(key)
            .arg(values)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn smembers(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("SMEMBERS")
            .arg(key)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn srem(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        Ok(redis::cmd("SREM")
            .arg(key)
            .arg(values)
            .query_async(&mut c)
            .await
            .map_err(redis_err))
    }

    async fn execute(
        accessor: &Accessor<T, Self>,
        conn: Resource<RedisConnection>,
        command: String,
        arguments: Vec<spin_redis::RedisParameter>,
    ) -> wasmtime::Result<Result<Vec<spin_redis::RedisResult>, spin_redis::Error>> {
        let mut c = redis_conn(accessor, &conn)?;
        let mut cmd = redis::cmd(&command);
        for argument in arguments {
            match argument {
                spin_redis::RedisParameter::Int64(n) => cmd.arg(n),
                spin_redis::RedisParameter::Binary(bytes) => cmd.arg(bytes),
            };
        }
        Ok(match cmd.query_async::<redis::Value>(&mut c).await {
            Ok(value) => {
                let mut out = Vec::new();
                results(value, &mut out);
                Ok(out)
            }
            Err(e) => Err(redis_err(e)),
        })
    }
}

// ---- spin:variables ----

impl variables::Host for &mut SpinCtx {}

impl<T> variables::HostWithStore<T> for Spin {
    async fn get(
        accessor: &Accessor<T, Self>,
        name: String,
    ) -> wasmtime::Result<Result<String, variables::Error>> {
        let vars = accessor.with(|mut view| view.get().config.variables.clone());
        Ok(vars
            .get(&name)
            .cloned()
            .ok_or(variables::Error::Undefined(name)))
    }
}
