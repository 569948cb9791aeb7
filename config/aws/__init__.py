"""Pieces shared by the AWS backends (MediaConvert, IVS): the EventBridge event registry."""
