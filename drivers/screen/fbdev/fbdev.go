package fbdev

import (
	"errors"
	"fmt"
	"image"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Mode is the geometry and pixel layout of the visible page.
type Mode struct {
	Width, Height int // visible pixels (xres, yres)
	Stride        int // bytes per line (line_length); 0 means Width*bytes per pixel
	// XOffset and YOffset locate the visible page inside the virtual
	// screen, for drivers that pan between pages.
	XOffset, YOffset int
	Format           PixelFormat
}

func (m Mode) String() string {
	return fmt.Sprintf("%dx%d stride %d %v", m.Width, m.Height, m.Stride, m.Format)
}

func (m Mode) validate() error {
	if err := m.Format.Validate(); err != nil {
		return err
	}
	if m.Width <= 0 || m.Height <= 0 || m.Width > 1<<15 || m.Height > 1<<15 ||
		m.XOffset < 0 || m.YOffset < 0 || m.XOffset > 1<<15 || m.YOffset > 1<<15 {
		return fmt.Errorf("%w: %v", ErrGeometry, m)
	}
	if m.Stride < (m.XOffset+m.Width)*m.Format.BytesPerPixel() || m.Stride > 1<<20 {
		return fmt.Errorf("%w: line length %d too short for %v", ErrGeometry, m.Stride, m)
	}
	return nil
}

// size is the number of bytes from the start of the memory to the end of
// the visible page.
func (m Mode) size() int { return (m.YOffset + m.Height) * m.Stride }

// Opts configures New.
type Opts struct {
	// Mode is used when the ioctls fail, which they do on a regular file
	// standing in for the device. It is ignored for a real framebuffer.
	Mode *Mode
	// NoMmap writes each frame with pwrite instead of mapping the
	// memory, for files on filesystems that cannot be mapped.
	NoMmap bool
}

// DefaultOpts is used when New gets nil: query the device, map it.
var DefaultOpts = Opts{}

// Dev is an open framebuffer.
type Dev struct {
	path string
	mode Mode
	id   string // fix screeninfo id, "" for a file

	mu   sync.Mutex
	f    *os.File
	mem  []byte // the mapping, nil with NoMmap
	back []byte // frame assembled here with NoMmap
	conv converter
}

// New opens the framebuffer at path (normally /dev/fb0).
func New(path string, opts *Opts) (*Dev, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("fbdev: open: %w", err)
	}
	d := &Dev{path: path, f: f}
	if err := d.init(opts); err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

func (d *Dev) init(opts *Opts) error {
	mode, memLen, id, qerr := query(d.f)
	isDevice := qerr == nil
	if !isDevice {
		if opts.Mode == nil {
			return fmt.Errorf("%w: %s: %v", ErrNoMode, d.path, qerr)
		}
		mode = *opts.Mode
		if mode.Stride == 0 {
			mode.Stride = (mode.XOffset + mode.Width) * mode.Format.BytesPerPixel()
		}
	}
	if err := mode.validate(); err != nil {
		return err
	}
	if isDevice && memLen > 0 && mode.size() > memLen {
		return fmt.Errorf("%w: page needs %d bytes, device has %d", ErrGeometry, mode.size(), memLen)
	}
	d.mode, d.id = mode, id
	d.conv.f = mode.Format
	if !isDevice {
		// A stand-in file must be big enough to map and to read back.
		st, err := d.f.Stat()
		if err != nil {
			return fmt.Errorf("fbdev: stat: %w", err)
		}
		if st.Mode().IsRegular() && st.Size() < int64(mode.size()) {
			if err := d.f.Truncate(int64(mode.size())); err != nil {
				return fmt.Errorf("fbdev: grow stand-in file: %w", err)
			}
		}
	}
	if !opts.NoMmap {
		mem, err := unix.Mmap(int(d.f.Fd()), 0, mode.size(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err == nil {
			d.mem = mem
			return nil
		}
		if isDevice {
			return fmt.Errorf("fbdev: mmap: %w", err)
		}
	}
	d.back = make([]byte, mode.Height*mode.Stride)
	return nil
}

// Mode returns the mode in use.
func (d *Dev) Mode() Mode { return d.mode }

// Size returns the visible size in pixels.
func (d *Dev) Size() image.Point { return image.Pt(d.mode.Width, d.mode.Height) }

func (d *Dev) String() string {
	if d.id != "" {
		return fmt.Sprintf("fbdev(%s %q %v)", d.path, d.id, d.mode)
	}
	return fmt.Sprintf("fbdev(%s %v)", d.path, d.mode)
}

// Draw converts img to the screen's format and writes it to the visible
// page, top-left aligned; parts outside the screen are cut off.
func (d *Dev) Draw(img image.Image) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return ErrClosed
	}
	return d.drawLocked(img)
}

func (d *Dev) drawLocked(img image.Image) error {
	m := d.mode
	off := m.YOffset*m.Stride + m.XOffset*m.Format.BytesPerPixel()
	if d.mem != nil {
		d.conv.convert(d.mem[off:], m.Stride, m.Width, m.Height, img)
		return nil
	}
	d.conv.convert(d.back[m.XOffset*m.Format.BytesPerPixel():], m.Stride, m.Width, m.Height, img)
	if _, err := d.f.WriteAt(d.back, int64(m.YOffset*m.Stride)); err != nil {
		return fmt.Errorf("fbdev: write: %w", err)
	}
	return nil
}

// DrawRegion updates only r of the screen from img (the frame is in
// screen coordinates, img's Min at the screen's top-left): after a touch
// usually one button changed, and converting the whole frame again would
// cost more than painting it. With NoMmap only the rows of r are written.
func (d *Dev) DrawRegion(img image.Image, r image.Rectangle) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return ErrClosed
	}
	m := d.mode
	b := img.Bounds()
	r = r.Intersect(image.Rect(0, 0, min(m.Width, b.Dx()), min(m.Height, b.Dy())))
	if r.Empty() {
		return nil
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return d.drawLocked(img)
	}
	part := sub.SubImage(r.Add(b.Min))
	bpp := m.Format.BytesPerPixel()
	if d.mem != nil {
		off := (m.YOffset+r.Min.Y)*m.Stride + (m.XOffset+r.Min.X)*bpp
		d.conv.convert(d.mem[off:], m.Stride, r.Dx(), r.Dy(), part)
		return nil
	}
	off := r.Min.Y*m.Stride + (m.XOffset+r.Min.X)*bpp
	d.conv.convert(d.back[off:], m.Stride, r.Dx(), r.Dy(), part)
	rows := d.back[r.Min.Y*m.Stride : r.Max.Y*m.Stride]
	if _, err := d.f.WriteAt(rows, int64((m.YOffset+r.Min.Y)*m.Stride)); err != nil {
		return fmt.Errorf("fbdev: write: %w", err)
	}
	return nil
}

// Halt blanks the visible page to black, for a screen that should show
// nothing while the program is not drawing.
func (d *Dev) Halt() error {
	m := d.mode
	return d.Draw(image.NewRGBA(image.Rect(0, 0, m.Width, m.Height)))
}

// Close unmaps and closes the device. The screen keeps its last frame.
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return nil
	}
	var err error
	if d.mem != nil {
		err = unix.Munmap(d.mem)
		d.mem = nil
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	d.f = nil
	if err != nil {
		return fmt.Errorf("fbdev: close: %w", err)
	}
	return nil
}

// The kernel's struct fb_var_screeninfo and struct fb_fix_screeninfo
// (linux/fb.h). Go lays these out like C on every Linux target: unsigned
// long is uintptr, and the padding after ywrapstep is implicit in both.
type fbBitfield struct {
	Offset, Length, MsbRight uint32
}

type fbVarScreeninfo struct {
	Xres, Yres, XresVirtual, YresVirtual uint32
	Xoffset, Yoffset                     uint32
	BitsPerPixel, Grayscale              uint32
	Red, Green, Blue, Transp             fbBitfield
	Nonstd, Activate, Height, Width      uint32
	AccelFlags, Pixclock                 uint32
	LeftMargin, RightMargin              uint32
	UpperMargin, LowerMargin             uint32
	HsyncLen, VsyncLen, Sync, Vmode      uint32
	Rotate, Colorspace                   uint32
	Reserved                             [4]uint32
}

type fbFixScreeninfo struct {
	ID                            [16]byte
	SmemStart                     uintptr
	SmemLen                       uint32
	Type, TypeAux, Visual         uint32
	XPanStep, YPanStep, YWrapStep uint16
	LineLength                    uint32
	MmioStart                     uintptr
	MmioLen, Accel                uint32
	Capabilities                  uint16
	Reserved                      [2]uint16
}

const (
	fbiogetVscreeninfo = 0x4600
	fbiogetFscreeninfo = 0x4602
	fbTypePackedPixels = 0
)

// query asks the kernel for the mode. It fails with ENOTTY on anything
// that is not a framebuffer.
func query(f *os.File) (m Mode, memLen int, id string, err error) {
	var v fbVarScreeninfo
	var x fbFixScreeninfo
	if err := ioctl(f, fbiogetVscreeninfo, unsafe.Pointer(&v)); err != nil {
		return m, 0, "", fmt.Errorf("FBIOGET_VSCREENINFO: %w", err)
	}
	if err := ioctl(f, fbiogetFscreeninfo, unsafe.Pointer(&x)); err != nil {
		return m, 0, "", fmt.Errorf("FBIOGET_FSCREENINFO: %w", err)
	}
	m = modeFromInfo(&v, &x)
	if x.Type != fbTypePackedPixels {
		// Planar and interleaved layouts are for ancient VGA modes.
		return m, 0, "", errors.Join(ErrFormat, fmt.Errorf("fbdev: framebuffer type %d is not packed pixels", x.Type))
	}
	id = string(x.ID[:])
	for i := range len(id) {
		if id[i] == 0 {
			id = id[:i]
			break
		}
	}
	return m, int(x.SmemLen), id, nil
}

func modeFromInfo(v *fbVarScreeninfo, x *fbFixScreeninfo) Mode {
	bf := func(b fbBitfield) Bitfield { return Bitfield{b.Offset, b.Length} }
	return Mode{
		Width: int(v.Xres), Height: int(v.Yres),
		Stride:  int(x.LineLength),
		XOffset: int(v.Xoffset), YOffset: int(v.Yoffset),
		Format: PixelFormat{
			BitsPerPixel: int(v.BitsPerPixel),
			Red:          bf(v.Red), Green: bf(v.Green), Blue: bf(v.Blue), Transp: bf(v.Transp),
		},
	}
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno unix.Errno
	if cerr := rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(arg))
	}); cerr != nil {
		return cerr
	}
	if errno != 0 {
		return errno
	}
	return nil
}
