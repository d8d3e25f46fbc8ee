"""Resource types that hold data: deleting one loses it, so the preview puts such deletes first."""

from __future__ import annotations

__all__ = ["STATEFUL_TYPES", "is_stateful"]

STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        # databases
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:docdb/cluster:Cluster",
        "aws:neptune/cluster:Cluster",
        "aws:redshift/cluster:Cluster",
        "aws:redshiftserverless/namespace:Namespace",
        "aws:elasticache/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:elasticache/serverlessCache:ServerlessCache",
        "aws:memorydb/cluster:Cluster",
        "aws:opensearch/domain:Domain",
        "aws:dax/cluster:Cluster",
        "aws:timestreamwrite/database:Database",
        "aws:timestreamwrite/table:Table",
        "aws:qldb/ledger:Ledger",
        # tables
        "aws:dynamodb/table:Table",
        "aws:dynamodb/globalTable:GlobalTable",
        "aws:glue/catalogTable:CatalogTable",
        "aws:keyspaces/table:Table",
        # buckets
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:s3control/bucket:Bucket",
        "aws:s3/directoryBucket:DirectoryBucket",
        "aws:glacier/vault:Vault",
        # file systems and volumes
        "aws:efs/fileSystem:FileSystem",
        "aws:fsx/lustreFileSystem:LustreFileSystem",
        "aws:fsx/windowsFileSystem:WindowsFileSystem",
        "aws:fsx/ontapFileSystem:OntapFileSystem",
        "aws:fsx/openZfsFileSystem:OpenZfsFileSystem",
        "aws:ebs/volume:Volume",
        "aws:backup/vault:Vault",
        # keys and secrets
        "aws:kms/key:Key",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:kms/externalKey:ExternalKey",
        "aws:secretsmanager/secret:Secret",
        "aws:ssm/parameter:Parameter",
        "aws:acmpca/certificateAuthority:CertificateAuthority",
        # logs, queues and streams
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:sqs/queue:Queue",
        "aws:kinesis/stream:Stream",
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        "aws:msk/cluster:Cluster",
        "aws:mq/broker:Broker",
        "aws:ecr/repository:Repository",
        "aws:cognito/userPool:UserPool",
    }
)
"""Pulumi type tokens of data-holding AWS resources."""


def is_stateful(type_token: str) -> bool:
    """True when deleting a resource of this type deletes data (a database, bucket, key...)."""
    return type_token in STATEFUL_TYPES
