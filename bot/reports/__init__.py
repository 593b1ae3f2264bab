"""Reports: the one place that computes the figures the digest, the dashboard and the export
share (participation, practice by domain, behavior and role, the grid of leaders by weeks,
barriers, highlights, streaks and quiet leaders)."""
