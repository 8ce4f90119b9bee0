"""A program that uses every read of netmera_iac.reads and exports what it got."""

import pulumi

from netmera_iac import reads

segments = reads.get_segments()
pulumi.export("segments", [s.name for s in segments])
pulumi.export("vipUsers", sorted(u.external_id or "" for u in reads.get_segment_users("VIP customers")))
pulumi.export("churnUsers", len(reads.get_segment_users(5886)))
pulumi.export("ayseDevices", [d.token for d in reads.get_devices("cust-ayse")])
pulumi.export("deviceTokens", len(reads.get_device_tokens()))
pulumi.export("ayseProfile", reads.get_profile_attributes("cust-ayse"))
