"""platform_components: secure-by-default Pulumi ComponentResources for the reference stacks.

Each component lives in its own module; this package re-exports them so stack programs read as a
short list of components.
"""

from platform_components.aurora_postgres import AuroraPostgresServerless
from platform_components.backup import BackupPlan
from platform_components.cdn import SecureDistribution
from platform_components.dynamodb_table import SecureTable
from platform_components.http_api import HttpApi
from platform_components.kms_key import EncryptionKey
from platform_components.lambda_function import SecureFunction
from platform_components.log_group import EncryptedLogGroup
from platform_components.network import PrivateNetwork
from platform_components.queue import EncryptedQueue
from platform_components.secure_bucket import SecureBucket
from platform_components.settings import PlatformSettings, load_settings
from platform_components.tagging import register_default_tags
from platform_components.waf import EdgeWebAcl

__all__ = [
    "AuroraPostgresServerless",
    "BackupPlan",
    "EdgeWebAcl",
    "EncryptedLogGroup",
    "EncryptedQueue",
    "EncryptionKey",
    "HttpApi",
    "PlatformSettings",
    "PrivateNetwork",
    "SecureBucket",
    "SecureDistribution",
    "SecureFunction",
    "SecureTable",
    "load_settings",
    "register_default_tags",
]
