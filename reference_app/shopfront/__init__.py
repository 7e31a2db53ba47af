"""The shopper's side: territory home, merchants, products, search, basket, checkout."""
