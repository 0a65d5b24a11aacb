// Package fbdev draws images on a Linux framebuffer device (/dev/fb0).
//
// New queries the mode with the FBIOGET_VSCREENINFO and FBIOGET_FSCREENINFO
// ioctls, maps the visible page with mmap and converts each frame to the
// screen's pixel layout (16-bit RGB565, 24-bit and 32-bit with any byte
// order the var screeninfo bitfields describe). A regular file can stand in
// for the device: the ioctls fail on it, so the mode comes from Opts.Mode
// and the file is grown to the size of one page.
//
// Conversion from *image.NRGBA (what fyne's software canvas produces) and
// *image.RGBA has fast paths; other image types go through image/draw
// into a reused buffer first.
package fbdev
