// Third-party player components from npm, bundled by esbuild into build/static/vendor/.
import "media-chrome";
import "media-chrome/menu";
import "hls-video-element";
