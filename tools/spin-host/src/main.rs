//! `afftok-spin-host`: serves a Spin HTTP component (a `wasi:http@0.3` handler) the way
//! `spin up` does, for what AffTok's edge component uses: `spin:key-value` backed by Redis
//! (Spin's redis runtime config), outbound `spin:redis` to allowed addresses, and
//! `spin:variables`. One component instance per request, as in Spin, kept alive after the
//! response until the component's background work (the click event's XADD) is done.
//!
//! It exists because no `spin` binary can be installed here (TOOLCHAIN.md): the tests run
//! the very component that ships, on wasmtime, with these host interfaces.
//!
//! ```text
//! afftok-spin-host --component afftok_edge_spin.wasm --listen 127.0.0.1:0 \
//!     --kv-redis redis://127.0.0.1:6379 --allow-redis redis://127.0.0.1:6379 \
//!     --var redis_address=redis://127.0.0.1:6379 --var kv_prefix=afftok:kv:
//! ```

mod spin;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use wasmtime::component::{Component, GuestTaskId, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Store, StoreContextMut};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, ProxyHandler, ProxyPre, ShouldAccept, WorkerExpiration, WorkerState,
    WorkerStatus,
};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::spin::{Spin, SpinConfig, SpinCtx};

/// How long a request, and the work the component does after answering it, may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Parser)]
#[command(about = "Serve a Spin HTTP component with Redis-backed Spin interfaces")]
struct Args {
    /// The component to serve.
    #[arg(long)]
    component: PathBuf,
    /// Address to listen on (port 0: any free port, printed on stdout).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Redis behind the "default" key-value store.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    kv_redis: String,
    /// An address `spin:redis` may open (spin.toml's allowed_outbound_hosts); repeatable.
    #[arg(long = "allow-redis")]
    allowed_redis: Vec<String>,
    /// A component variable as name=value; repeatable.
    #[arg(long = "var", value_parser = parse_var)]
    vars: Vec<(String, String)>,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{text:?} is not name=value"))
}

/// The data of one store (one component instance).
struct State {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    spin: SpinCtx,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: Default::default(),
            table: &mut self.table,
            ctx: &mut self.http,
        }
    }
}

struct App {
    engine: Engine,
    pre: ProxyPre<State>,
    spin: SpinConfig,
}

impl HandlerState for App {
    type StoreData = State;
    type WorkerExpiration = Expiration;
    type WorkerState = OneRequest;

    async fn instantiate(&self) -> wasmtime::Result<Instance<State, Expiration, OneRequest>> {
        let state = State {
            table: ResourceTable::new(),
            wasi: WasiCtxBuilder::new()
                .inherit_stderr()
                .inherit_stdout()
                .build(),
            http: WasiHttpCtx::new(),
            spin: SpinCtx {
                config: self.spin.clone(),
                table: ResourceTable::new(),
            },
        };
        let mut store = Store::new(&self.engine, state);
        let proxy = self.pre.instantiate_async(&mut store).await?;
        let served = Arc::new(AtomicBool::new(false));
        Ok(Instance {
            store,
            proxy,
            view: |state: &mut State| state.http(),
            expiration: Expiration {
                served: served.clone(),
                timeout: Box::pin(tokio::time::sleep(REQUEST_TIMEOUT)),
            },
            state: OneRequest { served },
        })
    }
}

/// Ends an instance once it has served its request and finished its background work, or
/// after [`REQUEST_TIMEOUT`].
struct Expiration {
    served: Arc<AtomicBool>,
    timeout: Pin<Box<tokio::time::Sleep>>,
}

impl WorkerExpiration for Expiration {
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        _since: Instant,
    ) -> Poll<()> {
        if status == WorkerStatus::Idle && self.served.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        self.timeout.as_mut().poll(cx)
    }
}

/// Spin's model: a fresh instance for every request.
struct OneRequest {
    served: Arc<AtomicBool>,
}

impl WorkerState for OneRequest {
    type StoreData = State;
    type RequestData = ();

    fn should_accept_request(&self, _concurrent: usize, total: usize) -> ShouldAccept {
        if total == 0 {
            ShouldAccept::Yes
        } else {
            ShouldAccept::Never
        }
    }

    fn on_request_start(
        &self,
        _store: StoreContextMut<'_, State>,
        _data: (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + 'static + Send + Sync>> {
        self.served.store(true, Ordering::SeqCst);
        Box::pin(tokio::time::sleep(REQUEST_TIMEOUT))
    }

    fn drop(&self, _store: Store<State>, result: wasmtime::Result<()>) {
        if let Err(e) = result {
            eprintln!("afftok-spin-host: instance failed: {e:?}");
        }
    }
}

#[tokio::main]
async fn main() -> wasmtime::Result<()> {
    let args = Args::parse();
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.wasm_component_model_async(true);
    let engine = Engine::new(&config)?;

    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    spin::Host_::add_to_linker::<_, Spin>(&mut linker, |state: &mut State| &mut state.spin)?;

    let component = Component::from_file(&engine, &args.component)
        .with_context(|| format!("loading {}", args.component.display()))?;
    let pre = linker.instantiate_pre(&component)?;
    let pre = ProxyPre::P3(wasmtime_wasi_http::p3::bindings::ServicePre::new(pre)?);
    let handler = ProxyHandler::new(App {
        engine,
        pre,
        spin: SpinConfig {
            kv_redis: args.kv_redis,
            allowed_redis: Arc::new(args.allowed_redis),
            variables: Arc::new(args.vars.into_iter().collect::<HashMap<_, _>>()),
        },
    });

    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    println!("afftok-spin-host listening on http://{addr}");
    loop {
        let (stream, peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(serve(handler, req, peer, addr).await) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("afftok-spin-host: connection error: {e}");
            }
        });
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

async fn serve(
    handler: ProxyHandler<App>,
    req: hyper::Request<hyper::body::Incoming>,
    peer: SocketAddr,
    local: SocketAddr,
) -> hyper::Response<Body> {
    let (mut parts, body) = req.into_parts();
    // Spin tells the component who called, and the full URL.
    if let Ok(value) = peer.to_string().parse() {
        parts.headers.insert("spin-client-addr", value);
    }
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    if let Ok(uri) = format!("http://{local}{path}").parse() {
        parts.uri = uri;
    }
    let body = body.map_err(wasmtime_wasi_http::Error::from).boxed_unsync();
    match handler
        .handle((), http::Request::from_parts(parts, body))
        .await
    {
        Ok(response) => response.map(|body| body.map_err(BoxError::from).boxed_unsync()),
        Err(e) => {
            eprintln!("afftok-spin-host: request failed: {e:?}");
            let mut response = hyper::Response::new(
                Full::new(Bytes::from_static(b"host error\n"))
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            );
            *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}
