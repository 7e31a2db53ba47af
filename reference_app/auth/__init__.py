"""Accounts in the web app: login, sign-up, password reset, roles."""
