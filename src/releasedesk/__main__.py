from releasedesk.cli.main import app

app()
