"""The media pipeline: probe, plan the ladder, transcode, and publish under a job lease."""
