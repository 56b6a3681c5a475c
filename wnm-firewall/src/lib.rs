//! Firewalls behind the `wnm_core::Firewall` trait: [`UfwFirewall`] (`ufw allow PORT/udp`) and
//! [`choose_firewall`], which picks it or the null firewall from the settings and the manager mode.
//!
//! Rules wnm did not create are never touched: opening adds exactly `allow PORT/PROTO` and
//! closing deletes exactly that rule, for the ports of wnm's own nodes only.

mod choose;
mod ufw;

pub use choose::{
    FIREWALL_DISABLED_ENV, choose_firewall, disabled_by_env, ufw_installed, wants_ufw,
};
pub use ufw::UfwFirewall;
pub use wnm_core::FirewallSetting;
