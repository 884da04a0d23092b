"""The producers' portal through GraphQL, for producers with their own software (issue 17, item 8)."""
