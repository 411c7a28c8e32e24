"""Enquiries: the first contact with a scheme, followed through application, assessment and approval."""
