"""In-app notifications, e-mailed too when the site has a mail server."""
