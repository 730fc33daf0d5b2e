//! What changes without a restart (users, REST secret, peer lists, TLS certificate, on
//! SIGHUP in `p2p turn-server`) and the start-up check that every address is one of this host's.

use super::state::Core;
use super::{server_config, RunError, Settings};
use stun_proto::auth::UserTable;

/// Refuse to start when a relay or listening IP is not an address of this host (binding a
/// socket there would fail later, per Allocate, with 508).
pub(crate) fn check_on_host(s: &Settings) -> Result<(), RunError> {
    let relay = s.relay_ips.iter().map(|ip| ("--relay-ip", *ip));
    let listen = s.listen.iter().map(|a| ("--listen", a.ip()));
    for (flag, ip) in relay.chain(listen).filter(|(_, ip)| !ip.is_unspecified()) {
        if let Err(e) = std::net::UdpSocket::bind((ip, 0)) {
            if e.kind() == std::io::ErrorKind::AddrNotAvailable {
                return Err(RunError::Usage(format!(
                    "{flag} {ip} is not an address of this host"
                )));
            }
        }
    }
    Ok(())
}

/// The running settings with `new`'s users, REST secret and peer lists; the rest (listening
/// and relay addresses, realm, limits) stays as it runs and needs a restart.
pub(crate) fn merged(running: &Settings, new: &Settings) -> Settings {
    let mut m = running.clone();
    m.users.clone_from(&new.users);
    m.secret.clone_from(&new.secret);
    m.allow_loopback = new.allow_loopback;
    m.allowed.clone_from(&new.allowed);
    m.denied.clone_from(&new.denied);
    if running.tls() && new.tls() {
        m.cert.clone_from(&new.cert);
        m.pkey.clone_from(&new.pkey);
    }
    m
}

/// Put `s`'s users, secret and peer filter into the running server. Allocations, their keys
/// and relays stay: a removed user's allocation lives until it expires or is deleted.
pub(crate) fn apply(core: &mut Core, s: &Settings) -> Result<(), RunError> {
    let filter = server_config(s)?.peer_filter;
    let users = UserTable::with_users(
        &s.realm,
        s.users.iter().map(|(n, p)| (n.as_str(), p.as_str())),
    );
    match core.fleet.as_mut() {
        // The next sync puts them beside the fleet's secrets.
        Some(f) => f.local_secrets = s.secret.iter().cloned().collect(),
        None => core
            .server
            .auth_mut()
            .set_rest_secret(s.secret.as_deref().map(str::as_bytes))
            .map_err(|e| RunError::Usage(format!("--static-auth-secret: {e}")))?,
    }
    core.server.auth_mut().users_mut().local = users;
    core.server.set_peer_filter(filter);
    if let (Some(cert), Some(key), true) = (&s.cert, &s.pkey, core.tls.is_some()) {
        // New connections get the new certificate; open ones keep their session.
        match super::tls::server_config(cert, key) {
            Ok(a) => core.tls = Some(a),
            Err(e) => tracing::warn!("TLS certificate not reloaded, the running one stays: {e}"),
        }
    }
    if let (Some(cert), Some(key), Some(d)) = (&s.cert, &s.pkey, core.dtls.as_mut()) {
        match super::dtls::load_certificate(cert, key) {
            Ok(c) => d.set_certificate(c),
            Err(e) => tracing::warn!("DTLS certificate not reloaded, the running one stays: {e}"),
        }
    }
    Ok(())
}
