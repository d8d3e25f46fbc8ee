"""Records in a delegated zone, sharded by the zone id (an output-form lookup)."""

import pulumi
import pulumi_aws as aws

zone = aws.route53.get_zone_output(name="corp.example.com", private_zone=True)
shard = zone.zone_id.apply(lambda zone_id: zone_id[40])

aws.route53.Record("api", zone_id=zone.zone_id, name="api", type="CNAME", ttl=300, records=["lb.example"])
pulumi.export("shard", shard)
