"""The Pulumi program: the desired state under stacks/<stack>/ as Netmera resources."""

from netmera_iac.program import main

main()
