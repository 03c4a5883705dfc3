//! `onence mcp`: the Model Context Protocol server (`onence::mcp`) on
//! stdin and stdout, for an agent's MCP client to start, or with `--http`
//! on MCP's streamable HTTP transport; with the CLI's configuration,
//! profiles and `--sandbox`. Logs go to stderr only.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use onence::mcp::http::{router, HttpSettings, MCP_PATH};
use onence::mcp::McpServer;
use rmcp::ServiceExt;

use crate::context::{Ctx, Global};
use crate::failure::Failure;
use crate::input::secret_file;
use crate::serve::{serve, PeerFlags, ServeFlags, Tls};

/// What `onence mcp` takes.
#[derive(Args, Debug)]
pub struct McpArgs {
    /// Serve MCP's streamable HTTP transport at this address (path /mcp)
    /// instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// With --http: a file holding the bearer token every request must
    /// carry (its first line; chmod 600). Needed off loopback.
    #[arg(long, requires = "http")]
    pub token_file: Option<PathBuf>,
    /// With --http: also serve requests for this host name (`name` or
    /// `name:port`); only loopback names are served otherwise.
    #[arg(long, requires = "http")]
    pub allow_host: Vec<String>,
    /// With --http: a PEM certificate chain, to serve HTTPS.
    #[arg(long, requires_all = ["http", "tls_key"])]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's PEM private key.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve reads only: no write tool is listed, and call_operation
    /// refuses every write, even with confirm: true.
    #[arg(long)]
    pub read_only: bool,
    /// Serve only these tools (as tools/list names them; e.g. --tools
    /// list_sims,get_sim,low_data_sims).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub tools: Option<Vec<String>>,
    /// With --http: who may connect.
    #[command(flatten)]
    pub peers: PeerFlags,
    /// With --http: the bounds of the listener.
    #[command(flatten)]
    pub serve: ServeFlags,
}

/// Serves MCP until the client closes stdio, or until stopped (--http).
pub async fn run(global: Global, args: McpArgs) -> Result<(), Failure> {
    let serving = match args.http {
        Some(_) => Some(args.serve.settings(&args.peers)?),
        None => None,
    };
    let mut settings = None;
    // The context keeps the embedded sandbox (with --sandbox) running.
    let _ctx = Ctx::open_with(global, |builder| {
        settings = Some(builder.clone());
        builder
    })
    .await?;
    let builder = settings.ok_or_else(|| Failure::Usage("no client settings".into()))?;
    let mut server = McpServer::new(builder)?;
    if args.read_only {
        server = server.read_only();
    }
    if let Some(names) = &args.tools {
        server = server
            .only_tools(names)
            .map_err(|e| Failure::Usage(format!("--tools: {e}")))?;
    }
    if let Some(listen) = args.http {
        let mut http = HttpSettings::new().with_allowed_hosts(args.allow_host.clone());
        if let Some(path) = &args.token_file {
            http = http.with_token(secret_file("--token-file", path)?);
        }
        if !listen.ip().is_loopback() && !http.has_token() {
            return Err(Failure::Usage(format!(
                "--http {listen} is reachable from other machines: give --token-file, so that only holders of the token can use the API through it"
            )));
        }
        let what = format!("MCP (path {MCP_PATH})");
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(Tls {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        };
        let serving = serving.unwrap_or_default();
        return serve(&what, listen, tls, router(server, &http), serving).await;
    }
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Failure::Usage(format!("MCP: the client did not start a session: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Failure::Usage(format!("MCP: {e}")))?;
    Ok(())
}
