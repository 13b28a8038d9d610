package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// validatorOnce builds the validator once: it caches struct metadata and is safe for
// concurrent use after setup.
var validatorOnce = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	must(v.RegisterValidation("listen", func(fl validator.FieldLevel) bool { return checkListen(fl.Field().String()) == nil }))
	must(v.RegisterValidation("httpurl", func(fl validator.FieldLevel) bool { return checkHTTPURL(fl.Field().String()) == nil }))
	must(v.RegisterValidation("rate", func(fl validator.FieldLevel) bool {
		_, err := kendo.ParseRate(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("dburl", func(fl validator.FieldLevel) bool { return location.Check(fl.Field().String()) == nil }))
	must(v.RegisterValidation("directions", func(fl validator.FieldLevel) bool { return checkDirections(fl.Field().String()) == nil }))
	must(v.RegisterValidation("userpass", func(fl validator.FieldLevel) bool { return checkUserPass(fl.Field().String()) == nil }))
	must(v.RegisterValidation("hostlist", func(fl validator.FieldLevel) bool { return checkHostList(fl.Field().String()) == nil }))
	return v
})

func must(err error) {
	if err != nil {
		panic(err) // only a typo in a tag name gets here; the tests catch it
	}
}

// ShutdownMargin is what --shutdown-timeout must leave beyond --kendo-timeout: a Kendo
// request that has started always finishes, and its answer is recorded, before the
// process exits (a request cut short is a second POST after the restart).
const ShutdownMargin = 5 * time.Second

// validate returns one message per invalid option, each starting with its flag.
func validate(c *Config) []string {
	out := validateFields(c)
	if c.KendoTimeout > 0 && c.ShutdownTimeout > 0 && c.ShutdownTimeout < c.KendoTimeout+ShutdownMargin {
		out = append(out, fmt.Sprintf("--shutdown-timeout: %s is too short: it must be at least --kendo-timeout (%s) plus %s, so that a Kendo request in flight at shutdown can finish",
			c.ShutdownTimeout, c.KendoTimeout, ShutdownMargin))
	}
	return append(out, validateNotify(c)...)
}

// validateNotify: a JSON webhook is always signed, so it needs its secret, and the
// secret must be one a Standard Webhooks verifier can read.
func validateNotify(c *Config) []string {
	switch {
	case c.NotifyURL != "" && c.NotifySecret == "":
		return []string{"--notify-secret: must be set with --notify-url (its messages are signed; generate one with: echo whsec_$(head -c 32 /dev/urandom | base64))"}
	case c.NotifySecret != "":
		if _, err := notify.SecretKey(c.NotifySecret); err != nil {
			return []string{"--notify-secret: must be whsec_ followed by base64 (Standard Webhooks)"}
		}
	}
	return nil
}

// validateFields checks each option's value against its rule; messages read
// "--kendo-url: …".
func validateFields(c *Config) []string {
	var out []string
	for _, o := range options {
		if o.rule == "" {
			continue
		}
		err := validatorOnce().Var(reflect.ValueOf(o.field(c)).Elem().Interface(), o.rule)
		var verrs validator.ValidationErrors
		switch {
		case err == nil:
		case errors.As(err, &verrs):
			for _, fe := range verrs {
				msg := message(fe)
				if o.secret && fe.Tag() == "httpurl" { // a webhook URL is its own credential: not echoed
					msg = "is not an http(s) URL"
				}
				out = append(out, "--"+o.name+": "+msg)
			}
		default:
			out = append(out, "--"+o.name+": "+err.Error())
		}
	}
	return out
}

// message explains a failed rule in words, with the precise reason where we have one.
// Secret options never echo their value.
func message(fe validator.FieldError) string {
	val, _ := fe.Value().(string)
	switch fe.Tag() {
	case "required":
		return "must be set"
	case "listen":
		return checkListen(val).Error()
	case "httpurl":
		return checkHTTPURL(val).Error()
	case "rate":
		_, err := kendo.ParseRate(val)
		return err.Error()
	case "dburl":
		return location.Check(val).Error()
	case "userpass":
		return checkUserPass(val).Error()
	case "directions":
		return checkDirections(val).Error()
	case "hostlist":
		return checkHostList(val).Error()
	case "oneof":
		return fmt.Sprintf("%q is not one of %s", val, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "gt":
		return fmt.Sprintf("must be a positive duration (got %v)", fe.Value())
	case "gte":
		if fe.Param() != "0" {
			return fmt.Sprintf("must be at least %s (got %v)", fe.Param(), fe.Value())
		}
		return fmt.Sprintf("must not be negative (got %v)", fe.Value())
	case "min":
		return fmt.Sprintf("must be at least %s (got %v)", fe.Param(), fe.Value())
	case "printascii", "excludes":
		return "must be printable ASCII without spaces"
	}
	return "failed rule " + fe.Tag()
}

func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port must be a number from 0 to 65535", s)
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// checkDirections: --send-directions names inbound, outbound or both; an empty list
// would send no call at all, which is never meant (skip the calls by --min-talk-time or
// stop the service instead).
func checkDirections(s string) error {
	list := mapping.ParseList(s)
	if len(list) == 0 {
		return errors.New("name inbound, outbound or both (comma-separated)")
	}
	for _, d := range list {
		if _, ok := mapping.CanonicalDirection(d); !ok {
			return fmt.Errorf("%q is not a direction: use inbound, outbound or both (comma-separated)", d)
		}
	}
	return nil
}

func checkUserPass(s string) error {
	user, pass, ok := strings.Cut(s, ":")
	if !ok || user == "" || pass == "" {
		return errors.New("want user:password (both non-empty, separated by a colon)")
	}
	return nil
}

// checkHostList checks --allowed-hosts: each entry a host name (optionally "*." and a
// suffix), an address (IPv6 in brackets when it has a port) or a CIDR range, with an
// optional port that is not compared.
func checkHostList(s string) error {
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(e); err == nil {
			continue
		}
		host := e
		if h, port, err := net.SplitHostPort(e); err == nil {
			if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return fmt.Errorf("%q: the port must be a number", e)
			}
			host = h
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if net.ParseIP(host) != nil {
			continue
		}
		name := strings.TrimPrefix(host, "*.")
		if !isHostName(name) {
			return fmt.Errorf("%q is not a host name, address or CIDR range (e.g. ak.example.com, *.example.com, 10.0.0.0/8)", e)
		}
	}
	return nil
}

// isHostName accepts DNS names: dot-separated labels of letters, digits and hyphens.
func isHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
