"""Amazon IVS and IVS Chat: clients, provisioning, events, chat tokens (docs/aws.md)."""
