"""Playlist rewriting for private media on S3: which URIs get signed, and for how long."""

from __future__ import annotations

from typing import Any

import m3u8

from catalog.media_playlists import rewrite

VARIANT = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    '#EXT-X-MAP:URI="init.mp4"\n'
    "#EXTINF:6.0,\nseg-00001.m4s\n"
    "#EXTINF:4.5,\n../../../../other/seg.m4s\n"  # outside the grant's folder
    "#EXTINF:1.0,\nhttps://elsewhere.example/seg.m4s\n"  # absolute: not ours to sign
    "#EXT-X-ENDLIST\n"
)


def test_media_uris_in_scope_are_signed_once_each(settings: Any) -> None:
    asked: list[tuple[list[str], int]] = []

    def sign(names: list[str], seconds: int) -> dict[str, str]:
        asked.append((names, seconds))
        return {name: f"https://signed/{name}?sig=1" for name in names}

    name = "videos/v1/hls/1-ab/360/index.m3u8"
    out = m3u8.loads(rewrite(VARIANT, name=name, scope="videos/v1/", sign=sign))
    assert asked == [
        (["videos/v1/hls/1-ab/360/init.mp4", "videos/v1/hls/1-ab/360/seg-00001.m4s"],
         settings.MEDIA_SIGNED_URL_SECONDS + 11),  # the playlist lasts 11.5 s
    ]  # fmt: skip
    assert [s.uri for s in out.segments] == [
        "https://signed/videos/v1/hls/1-ab/360/seg-00001.m4s?sig=1",
        "../../../../other/seg.m4s",
        "https://elsewhere.example/seg.m4s",
    ]
    assert out.segment_map[0].uri == "https://signed/videos/v1/hls/1-ab/360/init.mp4?sig=1"
    assert out.is_endlist and out.playlist_type == "vod"


def test_a_master_playlist_keeps_its_relative_variants() -> None:
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\n360/index.m3u8\n"
    out = rewrite(master, name="videos/v1/hls/1-ab/master.m3u8", scope="videos/v1/",
                  sign=lambda names, seconds: {})  # fmt: skip
    assert m3u8.loads(out).playlists[0].uri == "360/index.m3u8"
