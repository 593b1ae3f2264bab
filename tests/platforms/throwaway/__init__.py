"""A platform that exists only in this folder, to show that adding one touches nothing else."""
