"""Safe image decoding: size, pixel and frame limits, EXIF orientation, reduced JPEG decodes."""

from fairgate.media.limits import MediaLimits
from fairgate.media.source import DecodedImage, ImageHeader, MediaSource

__all__ = ["DecodedImage", "ImageHeader", "MediaLimits", "MediaSource"]
