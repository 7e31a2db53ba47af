"""The courier's pages: today's round on a phone."""
