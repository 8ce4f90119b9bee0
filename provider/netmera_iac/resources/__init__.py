"""What every family's Pulumi adapters share: the provider base, our provider host, the one-shot
provider, the stack manifest, the registration context and the program's reads. The adapters
themselves live in their families (families/*/resource.py)."""

from . import legacy

legacy.install()
