"""Offline evaluation of Pulumi programs: wire format, fake cloud, positions, monitor, worker."""
