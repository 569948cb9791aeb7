"""The container formats (demuxers) an upload may be read as, by PyAV and by ffmpeg."""

# The demuxers an upload may be read with (their first names, as ffmpeg's -f takes them).
# Formats that name other files or URLs (hls, dash, concat, image sequences, sdp, tee...)
# are left out: through them an upload could make PyAV or ffmpeg read what is not the upload.
MEDIA_FORMATS = (
    "mov", "matroska", "mpegts", "mpeg", "avi", "flv", "asf", "ogg", "mxf", "dv", "ivf",
    "h264", "hevc", "m4v", "obu", "mp3", "aac", "wav", "w64", "flac", "aiff", "caf", "amr",
    "wv", "ape",
)  # fmt: skip
# Pictures are opened too, but only to tell their owner that a picture is not a video.
PICTURE_FORMATS = (
    "gif", "apng", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif_pipe",
    "jpegxl_pipe",
)  # fmt: skip
