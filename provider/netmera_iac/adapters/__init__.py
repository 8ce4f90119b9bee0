"""What every family's Pulumi adapters share: the provider base and the modules beside it, our
provider host, the one-shot provider, the stack manifest, the registration context. The adapters
themselves live in their families (families/*/resource.py); the module paths earlier versions
pickled are served by the `netmera_iac.resources` package (legacy.py)."""
