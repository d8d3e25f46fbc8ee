"""platform_components."""
