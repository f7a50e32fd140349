"""releasedesk: one release store behind the SDP, UrbanCode Release and FlexDeploy APIs."""

__version__ = "0.1.0"
