"""netmera-iac: Netmera user state as Pulumi resources."""
