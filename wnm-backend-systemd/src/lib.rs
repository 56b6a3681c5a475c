//! Backend for systemd (user and sudo modes): unit generation, systemctl control, unit discovery.
