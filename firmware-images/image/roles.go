// Package image defines the device images (one role file per device type,
// plus a shared overlay of systemd units, udev rules and fstab) and builds
// them: Debian 12 root file systems with mmdebstrap, ext4 partitions with
// mkfs.ext4 -d, the ESP with mkfs.vfat and mtools, and the GPT disk assembled
// in pure Go with holes kept, so the result is sparse and comes with a bmap.
// No loop mounts are used anywhere.
package image

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed roles/*.yaml
var rolesFS embed.FS

//go:embed all:overlay
var overlayFS embed.FS

//go:embed appconfig/*.yaml
var appConfigFS embed.FS

// Binary is one of our Go programs installed into the image.
type Binary struct {
	Pkg     string   `yaml:"pkg"`     // module-relative package dir
	Install string   `yaml:"install"` // path in the image
	Tags    []string `yaml:"tags"`
}

// Role is a device role's image definition.
type Role struct {
	Role     string   `yaml:"role"`
	Product  string   `yaml:"product"`
	Binaries []Binary `yaml:"binaries"`
	Packages []string `yaml:"packages"`
	App      struct {
		Exec             string    `yaml:"exec"`
		NeedsFramebuffer bool      `yaml:"needs_framebuffer"`
		Config           AppConfig `yaml:"config"`
	} `yaml:"app"`
	HealthFile string   `yaml:"health_file"`
	Serial     []string `yaml:"serial"`
	RootSize   string   `yaml:"root_size"`
}

// AppConfig is the app's configuration file: a template from appconfig/
// installed as /etc/hallq/<template>, rendered to Path by `hqagent
// app-config` before every start with the enrolment settings filled in.
type AppConfig struct {
	Template string `yaml:"template"`
	Path     string `yaml:"path"`
	// Set maps a config key path to an identity field (see package
	// firmware-images/appconfig).
	Set map[string]string `yaml:"set"`
	// Optional are device paths cleared when absent, so the app starts
	// degraded instead of exiting.
	Optional []string `yaml:"optional"`
}

// TemplatePath is where the template is installed in the image.
func (c AppConfig) TemplatePath() string { return "/etc/hallq/" + c.Template }

// BasePackages are in every image: systemd with boot counting support,
// the kernel and its initramfs, the boot loader binary copied to the ESP.
var BasePackages = []string{
	"systemd", "systemd-sysv", "systemd-boot-efi", "udev", "dbus", "linux-image-amd64", "initramfs-tools",
	"e2fsprogs", "dosfstools", "ca-certificates", "kmod", "iproute2",
}

// graphical packages are refused: devices draw to the framebuffer.
var graphicalRE = regexp.MustCompile(`^(xserver|xorg|x11-|libx11|wayland|weston|gnome|kde|lightdm|gdm|sddm)`)

// Roles returns every role definition, sorted by name.
func Roles() ([]*Role, error) {
	ents, err := fs.ReadDir(rolesFS, "roles")
	if err != nil {
		return nil, err
	}
	var out []*Role
	for _, e := range ents {
		r, err := LoadRole(strings.TrimSuffix(e.Name(), ".yaml"))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Role < out[j].Role })
	return out, nil
}

// LoadRole parses roles/<name>.yaml.
func LoadRole(name string) (*Role, error) {
	b, err := rolesFS.ReadFile(path.Join("roles", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("image: no role %q", name)
	}
	var r Role
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("image: role %s: %w", name, err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("image: role %s: %w", name, err)
	}
	return &r, nil
}

func (r *Role) validate() error {
	if r.Role == "" || r.Product == "" || len(r.Binaries) == 0 || r.App.Exec == "" {
		return fmt.Errorf("role, product, binaries and app.exec are required")
	}
	for _, p := range r.Packages {
		if graphicalRE.MatchString(p) {
			return fmt.Errorf("package %s is graphical; devices draw to the framebuffer", p)
		}
	}
	if _, err := ParseSize(r.RootSizeOr("1GiB")); err != nil {
		return err
	}
	if c := r.App.Config; c.Template != "" {
		if _, err := appConfigFS.ReadFile("appconfig/" + c.Template); err != nil {
			return fmt.Errorf("app.config.template %s: not in firmware-images/image/appconfig", c.Template)
		}
		if !strings.HasPrefix(c.Path, "/run/hallq/") || !strings.Contains(r.App.Exec, c.Path) {
			return fmt.Errorf("app.config.path %q must be under /run/hallq/ and passed in app.exec", c.Path)
		}
	} else if c.Path != "" || len(c.Set) > 0 || len(c.Optional) > 0 {
		return fmt.Errorf("app.config needs a template")
	}
	return nil
}

// AppConfigTemplate returns the role's configuration template (nil when
// the role has none).
func (r *Role) AppConfigTemplate() ([]byte, error) {
	if r.App.Config.Template == "" {
		return nil, nil
	}
	return appConfigFS.ReadFile("appconfig/" + r.App.Config.Template)
}

// RootSizeOr returns the root partition size or def.
func (r *Role) RootSizeOr(def string) string {
	if r.RootSize == "" {
		return def
	}
	return r.RootSize
}

// AllPackages is the base plus the role's packages.
func (r *Role) AllPackages() []string {
	return append(append([]string{}, BasePackages...), r.Packages...)
}

// ParseSize parses "512MiB", "1GiB", "4096".
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("image: bad size %q", s)
	}
	return n * mult, nil
}

// AppUnit renders hallq-app.service for the role.
func (r *Role) AppUnit() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[Unit]\nDescription=hallq %s\nAfter=hallq-data.service hallq-agent.service systemd-udev-settle.service\nRequiresMountsFor=/data\n", r.Role)
	if r.App.NeedsFramebuffer {
		// The firmware's framebuffer (efifb) is replaced when the GPU's
		// driver module loads; opening /dev/fb0 before that would draw
		// into a device about to go away.
		b.WriteString("Wants=systemd-udev-settle.service\nConditionPathExists=/dev/fb0\n")
	}
	// Without the binary (its package does not exist yet) the unit is
	// skipped instead of restarting forever.
	fmt.Fprintf(&b, "ConditionPathExists=%s\n", strings.Fields(r.App.Exec)[0])
	b.WriteString("\n[Service]\nRuntimeDirectory=hallq\nRuntimeDirectoryPreserve=yes\n")
	if r.App.NeedsFramebuffer {
		// fyne reads its locale from LANG and complains about "C".
		b.WriteString("Environment=LANG=zh_CN.UTF-8\n")
		// The kernel's text console would draw its cursor and messages
		// over the app's frames: unbind it from the framebuffer ("-": a
		// kernel without fbcon is fine).
		b.WriteString(`ExecStartPre=-/bin/sh -c 'for v in /sys/class/vtconsole/vtcon*; do grep -qi "frame buffer" "$$v/name" && echo 0 > "$$v/bind"; done; true'` + "\n")
	}
	if c := r.App.Config; c.Template != "" {
		args := []string{"/usr/bin/hqagent", "app-config", "-template", c.TemplatePath(), "-o", c.Path}
		keys := make([]string, 0, len(c.Set))
		for k := range c.Set {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			args = append(args, "-set", k+"="+c.Set[k])
		}
		if len(c.Optional) > 0 {
			args = append(args, "-optional", strings.Join(c.Optional, ","))
		}
		fmt.Fprintf(&b, "ExecStartPre=%s\n", strings.Join(args, " "))
	}
	fmt.Fprintf(&b, "ExecStart=%s\nRestart=always\nRestartSec=2\n", r.App.Exec)
	b.WriteString("SupplementaryGroups=dialout video input audio\nDynamicUser=no\n")
	b.WriteString("\n[Install]\nWantedBy=multi-user.target\n")
	return b.String()
}

// AgentEnv renders /etc/hallq/agent.env: healthFile is the file the app
// creates when it is up ("" for none); checkUnit requires hallq-app.service
// to be active (false when the app's package does not exist yet).
func (r *Role) AgentEnv(dev bool, healthFile string, checkUnit bool) string {
	flags := ""
	if dev {
		flags = "-dev-trust"
	}
	health := ""
	if healthFile != "" {
		health = "-health-file " + healthFile
	}
	if !checkUnit {
		health += " -health-unit="
	}
	return fmt.Sprintf("HQAGENT_FLAGS=%s\nHQAGENT_HEALTH_FLAGS=%s\n", flags, strings.TrimSpace(health))
}
