"""The review workflow around the Pulumi CLI: plan summaries, saved plans, drift, history, rollback,
adoption. Used by the `netmera-iac` command; sits above the engine, client and resources."""
