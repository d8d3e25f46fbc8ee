"""Our Checkov custom checks (CKV_ORG_<n>), loaded by path with policies.loader.load_checks.

Checkov needs this file to treat the directory as a checks directory. Check modules import their
shared helpers as `orgpolicy_support` (a sibling file), never from the installed package, so that
checks loaded from a Git revision (--policies-from) use that revision's helpers too.
"""
