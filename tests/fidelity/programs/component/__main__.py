"""Two instances of a local component resource, one locked down and one left open."""

from storage import PrivateBucket

PrivateBucket("private", block_public=True)
PrivateBucket("shared", block_public=False)
