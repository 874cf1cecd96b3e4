"""Pages explaining each problem type the API answers (`/problems/{slug}`)."""
