"""Publishing the spec: the offline HTML reference, the bundles, the breaking-change gate."""
