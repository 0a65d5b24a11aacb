package image

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"hallq/firmware-images/appconfig"
	"hallq/firmware-images/bmap"
	"hallq/firmware-images/bundle"
	"hallq/firmware-images/enrol"
	"hallq/firmware-images/fleetapi"
	"hallq/firmware-images/gpt"
)

func TestRoles(t *testing.T) {
	roles, err := Roles()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Role)
		pk := r.AllPackages()
		if r.Role != "controller" && !slices.Contains(pk, "fonts-wqy-microhei") && !slices.Contains(pk, "fonts-noto-cjk") {
			t.Errorf("%s has no Chinese font", r.Role)
		}
		if !strings.Contains(r.AppUnit(), "ExecStart="+r.App.Exec) {
			t.Errorf("%s app unit", r.Role)
		}
		if tmpl, err := r.AppConfigTemplate(); err != nil {
			t.Errorf("%s: %v", r.Role, err)
		} else if tmpl != nil {
			if r.HealthFile != "" && !bytes.Contains(tmpl, []byte(r.HealthFile)) {
				t.Errorf("%s: config template does not name the health file %s", r.Role, r.HealthFile)
			}
			if slices.Contains(r.Packages, "fonts-wqy-microhei") && !bytes.Contains(tmpl, []byte("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")) {
				t.Errorf("%s: config template does not use the image's CJK font", r.Role)
			}
			if _, _, err := appconfig.Render(appconfig.Opts{Template: tmpl, Identity: &enrol.Identity{DeviceID: "d"}, Set: r.App.Config.Set,
				Optional: r.App.Config.Optional, Exists: func(string) bool { return false }}); err != nil {
				t.Errorf("%s: %v", r.Role, err)
			}
		}
	}
	if strings.Join(names, ",") != "controller,display,kiosk,window" {
		t.Fatalf("roles %v", names)
	}
	d, _ := LoadRole("display")
	if !slices.Contains(d.Packages, "espeak-ng") {
		t.Error("display without espeak-ng")
	}
	bad := &Role{Role: "x", Product: "p", Binaries: []Binary{{Pkg: "a"}}, Packages: []string{"xserver-xorg"}}
	bad.App.Exec = "/x"
	if err := bad.validate(); err == nil {
		t.Error("graphical package accepted")
	}
}

func TestOverlayUnits(t *testing.T) {
	b, err := overlayFS.ReadFile("overlay/etc/systemd/system/hallq-health.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Before=boot-complete.target", "RequiredBy=boot-complete.target", "hqagent health"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("health unit lacks %q", want)
		}
	}
	fstab, _ := overlayFS.ReadFile("overlay/etc/fstab")
	if !bytes.Contains(fstab, []byte("PARTLABEL=data")) || !bytes.Contains(fstab, []byte("x-systemd.growfs")) {
		t.Error("fstab lacks the growing data partition")
	}
}

func TestAssembleIsSparse(t *testing.T) {
	d := t.TempDir()
	esp := filepath.Join(d, "esp")
	os.WriteFile(esp, append(bytes.Repeat([]byte{0xEB}, 4096), make([]byte, 1<<20)...), 0o644)
	root := filepath.Join(d, "root")
	f, _ := os.Create(root)
	f.Truncate(8 << 20)
	f.WriteAt(bytes.Repeat([]byte("ext4"), 1024), 0)
	f.WriteAt(bytes.Repeat([]byte("file"), 1024), 5<<20)
	f.Close()
	out := filepath.Join(d, "disk.img")
	err := Assemble(out, []Part{{Name: "esp", Type: gpt.TypeESP, Size: 4 << 20, Image: esp}, {Name: "root-a", Type: gpt.TypeRootX86, Size: 8 << 20, Image: root},
		{Name: "root-b", Type: gpt.TypeRootX86, Size: 8 << 20}, {Name: "data", Type: gpt.TypeLinuxData, Size: 4 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := os.Open(out)
	defer img.Close()
	fi, _ := img.Stat()
	tab, err := gpt.Read(img, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	ra, _ := tab.Find("root-a")
	got := make([]byte, 4)
	img.ReadAt(got, int64(ra.First)*512+5<<20)
	if string(got) != "file" {
		t.Fatalf("root-a content at 5 MiB: %q", got)
	}
	m, err := bmap.Generate(out, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if m.MappedBlocks()*4096 > 1<<20 {
		t.Fatalf("disk not sparse: %d bytes mapped of %d", m.MappedBlocks()*4096, m.ImageSize)
	}
	if err := Assemble(filepath.Join(d, "x"), []Part{{Name: "root-a", Type: gpt.TypeRootX86, Size: 1 << 20, Image: root}}); err == nil {
		t.Fatal("oversized partition image accepted")
	}
}

// fakeRunner records commands and produces the files real tools would.
type fakeRunner struct{ cmds []string }

func (f *fakeRunner) Run(ctx context.Context, dir string, env []string, name string, args ...string) error {
	f.cmds = append(f.cmds, name+" "+strings.Join(args, " "))
	last := args[len(args)-1]
	switch name {
	case "go":
		for i, a := range args {
			if a == "-o" {
				return os.WriteFile(args[i+1], []byte("ELF"), 0o755)
			}
		}
	case "mmdebstrap":
		root := args[len(args)-2]
		for p, c := range map[string]string{"boot/vmlinuz-6.1.0-28-amd64": "kernel", "boot/initrd.img-6.1.0-28-amd64": "initrd",
			"usr/lib/systemd/boot/efi/systemd-bootx64.efi": "MZ"} {
			if err := writeFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
				return err
			}
		}
	case "mkfs.ext4":
		img := args[len(args)-2]
		var kb int64
		fmt.Sscanf(last, "%dk", &kb)
		fh, err := os.Create(img)
		if err != nil {
			return err
		}
		fh.Truncate(kb << 10)
		fh.WriteAt([]byte("superblock"), 1024)
		return fh.Close()
	case "mkfs.vfat":
		var kb int64
		fmt.Sscan(last, &kb)
		fh, _ := os.Create(args[len(args)-2])
		fh.Truncate(kb << 10)
		fh.WriteAt([]byte{0xEB, 0x58, 0x90}, 0)
		return fh.Close()
	}
	return nil
}

func TestBuildPlan(t *testing.T) {
	mod := t.TempDir()
	os.MkdirAll(filepath.Join(mod, "firmware-images/cmd/hqagent"), 0o755)
	os.MkdirAll(filepath.Join(mod, "kiosk/cmd/display"), 0o755)
	work := t.TempDir()
	r, _ := LoadRole("display")
	fr := &fakeRunner{}
	pub, _, _ := bundle.GenerateKey()
	keyFile := filepath.Join(work, "release.pub")
	os.WriteFile(keyFile, bundle.MarshalPublicKey(pub), 0o644)
	res, err := Build(context.Background(), Opts{Role: r, ModuleRoot: mod, Work: filepath.Join(work, "w"), Out: filepath.Join(work, "display.img"),
		Version: "2026.11.1", Epoch: 1, TrustedKeys: []string{keyFile}, Run: fr, ESPSize: 64 << 20, DataSize: 32 << 20})
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(fr.cmds, "\n"))
	}
	all := strings.Join(fr.cmds, "\n")
	for _, want := range []string{"go build -trimpath -ldflags=-s -w -o", "-tags noos ./kiosk/cmd/display", "mmdebstrap --variant=minbase",
		"espeak-ng", "fonts-wqy-microhei", "systemctl enable hallq-agent.service hallq-health.service", "mkfs.ext4 -q -F -L hallq-root",
		"mkfs.vfat -C -F 32", "mcopy -o -i", "::/EFI/BOOT/BOOTX64.EFI", "::/loader/entries/hallq-0001-a.conf", "::/hallq/a/vmlinuz"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in\n%s", want, all)
		}
	}
	if strings.Contains(all, "mount") && strings.Contains(all, "loop") {
		t.Error("loop mount used")
	}
	if len(res.Built) != 2 || len(res.Skipped) != 0 {
		t.Errorf("built %v skipped %v", res.Built, res.Skipped)
	}
	if l, err := os.Readlink(filepath.Join(work, "w/rootfs/etc/systemd/system/getty@tty1.service")); err != nil || l != "/dev/null" {
		t.Errorf("getty on the display's screen not masked: %q %v", l, err)
	}
	keys, _ := os.ReadDir(filepath.Join(work, "w/overlay/etc/hallq/trusted-keys"))
	if len(keys) != 1 || keys[0].Name() == "development.pub" {
		t.Errorf("release image keys: %v", keys)
	}
	if _, err := os.Stat(res.Bmap); err != nil {
		t.Fatal(err)
	}
	if res.Mapped >= res.ImageSize/4 {
		t.Errorf("image not sparse: %d of %d mapped", res.Mapped, res.ImageSize)
	}
	// A kiosk build where the app does not exist yet still builds the agent.
	k, _ := LoadRole("kiosk")
	res, err = Build(context.Background(), Opts{Role: k, ModuleRoot: mod, Work: filepath.Join(work, "k"), Out: filepath.Join(work, "k.img"),
		Version: "1", Dev: true, Run: &fakeRunner{}, ESPSize: 64 << 20, DataSize: 32 << 20})
	if err != nil || len(res.Skipped) != 1 || res.Skipped[0] != "kiosk/cmd/kiosk" {
		t.Fatalf("%+v %v", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(work, "k/overlay/etc/hallq/kiosk.yaml")); err != nil || !bytes.Contains(b, []byte("first_frame_file: /run/hallq/first-frame")) {
		t.Errorf("kiosk config template not baked in: %v", err)
	}
	if l, err := os.Readlink(filepath.Join(work, "k/overlay/etc/systemd/system/multi-user.target.wants/hallq-first-frame.path")); err != nil || l != "/etc/systemd/system/hallq-first-frame.path" {
		t.Errorf("first-frame watch not enabled: %q %v", l, err)
	}
	// A release image without keys is refused.
	if _, err := Build(context.Background(), Opts{Role: k, ModuleRoot: mod, Work: filepath.Join(work, "r"), Out: filepath.Join(work, "r.img"),
		Version: "1", Run: &fakeRunner{}}); err == nil {
		t.Fatal("release image without trusted keys built")
	}
}

// The kiosk's baked configuration must agree with the image it is baked
// into: the health check's file, the udev touch link, the font package.
func TestKioskAppConfig(t *testing.T) {
	r, err := LoadRole("kiosk")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := r.AppConfigTemplate()
	if err != nil || tmpl == nil {
		t.Fatalf("kiosk has no config template: %v", err)
	}
	var cfg struct {
		Controller string `yaml:"controller"`
		Token      string `yaml:"token"`
		Screen     struct{ Framebuffer, Touch string }
		Font       string `yaml:"font"`
		FirstFrame string `yaml:"first_frame_file"`
		Busy       string `yaml:"busy_file"`
		Outbox     string `yaml:"outbox"`
	}
	if err := yaml.Unmarshal(tmpl, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.FirstFrame != r.HealthFile {
		t.Errorf("first_frame_file %q, health check waits for %q", cfg.FirstFrame, r.HealthFile)
	}
	if cfg.Screen.Framebuffer != "/dev/fb0" || cfg.Busy != "/run/hallq/busy" || !strings.HasPrefix(cfg.Outbox, "/data/") {
		t.Errorf("framebuffer %q busy %q outbox %q (the root is read-only)", cfg.Screen.Framebuffer, cfg.Busy, cfg.Outbox)
	}
	if len(cfg.Token) < 16 || !strings.HasPrefix(cfg.Controller, "http") {
		t.Errorf("controller %q / token placeholder too short: the kiosk refuses such a file", cfg.Controller)
	}
	rules, _ := overlayFS.ReadFile("overlay/etc/udev/rules.d/70-hallq-devices.rules")
	if link := strings.TrimPrefix(cfg.Screen.Touch, "/dev/"); !bytes.Contains(rules, []byte(`SYMLINK+="`+link+`"`)) {
		t.Errorf("touch %q is not a udev link of 70-hallq-devices.rules", cfg.Screen.Touch)
	}
	if cfg.Font != "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" || !slices.Contains(r.Packages, "fonts-wqy-microhei") {
		t.Errorf("font %q does not come from the role's packages %v", cfg.Font, r.Packages)
	}
	unit := r.AppUnit()
	for _, want := range []string{
		"ExecStartPre=/usr/bin/hqagent app-config -template /etc/hallq/kiosk.yaml -o /run/hallq/kiosk.yaml",
		"-set printer.port=ports.printer", "-set token=extra.token", "-optional card_reader.port,printer.port,camera.device,screen.touch",
		"ExecStart=/usr/bin/hallq-app -config /run/hallq/kiosk.yaml", "vtconsole", "ConditionPathExists=/dev/fb0",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	// Rendered for an enrolled device with no printer attached: the
	// printer is cleared, the kiosk gets the controller and its token.
	id := &enrol.Identity{DeviceID: "k-3", Controller: "http://10.0.2.2:18080",
		Settings: fleetapi.Settings{Ports: map[string]string{"printer": "/dev/serial/by-id/none"}, Extra: map[string]string{"token": "kiosk-3-token-0123456789"}}}
	out, _, err := appconfig.Render(appconfig.Opts{Template: tmpl, Identity: id, Set: r.App.Config.Set, Optional: r.App.Config.Optional,
		Exists: func(p string) bool { return p == "/dev/hallq/touch" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"controller: http://10.0.2.2:18080", "device: k-3", "token: kiosk-3-token-0123456789", `port: ""`, "touch: /dev/hallq/touch"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("rendered config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "/dev/serial/by-id/none") {
		t.Errorf("absent printer not cleared:\n%s", out)
	}
}

func TestAppConfigValidation(t *testing.T) {
	base := func() *Role {
		r := &Role{Role: "x", Product: "p", Binaries: []Binary{{Pkg: "a"}}}
		r.App.Exec = "/x -config /run/hallq/kiosk.yaml"
		r.App.Config = AppConfig{Template: "kiosk.yaml", Path: "/run/hallq/kiosk.yaml"}
		return r
	}
	if err := base().validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Role){
		"unknown template":    func(r *Role) { r.App.Config.Template = "nope.yaml" },
		"path not in exec":    func(r *Role) { r.App.Exec = "/x" },
		"path not under /run": func(r *Role) { r.App.Config.Path = "/etc/x.yaml"; r.App.Exec = "/x /etc/x.yaml" },
		"set without template": func(r *Role) {
			r.App.Config = AppConfig{Set: map[string]string{"a": "device_id"}}
		},
	} {
		r := base()
		mod(r)
		if err := r.validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
