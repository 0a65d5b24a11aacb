package ticket

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// StatusURL fills a status page URL template from the configuration:
// {id} is the ticket id, {number} the ticket number and {k} the check
// value that keeps ticket ids from being enumerated (computed by the
// controller's scheme; see the kiosk configuration). Values are escaped
// for a URL. The result must be an absolute http(s) URL.
func StatusURL(template string, id uint64, number, check string) (string, error) {
	s := strings.NewReplacer(
		"{id}", strconv.FormatUint(id, 10),
		"{number}", url.QueryEscape(number),
		"{k}", url.QueryEscape(check),
	).Replace(template)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: status url template %q is not an absolute http url", ErrBadTicket, template)
	}
	return s, nil
}
