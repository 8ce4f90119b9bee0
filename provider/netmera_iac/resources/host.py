"""`python -m netmera_iac.resources.host`, which a Pulumi CLI built by an earlier tools/pulumi/build.sh
runs as its dynamic-provider host: the host now lives in adapters/host.py."""

if __name__ == "__main__":
    from netmera_iac.adapters import host

    host.main()
