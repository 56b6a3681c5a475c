//! Backend driving antctl (ant-node-manager 0.14.x): add/start/stop/remove/upgrade and registry import.
