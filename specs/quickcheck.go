package specs

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"
)

// A quick check is a conservative, allocation-free pass over raw JSON
// against a schema, for the common case of a valid body. It answers true
// only when kin-openapi would accept the same body; any doubt (a keyword it
// does not implement, a string with escapes that a constraint looks at, a
// body that fails) answers false, and the caller then runs kin-openapi,
// which decides and explains. So kin-openapi stays the one judge, and the
// quick check only saves decoding a valid body into interface values.
// FuzzQuickCheckAgrees holds it to that.

// quick is a schema compiled for the quick check.
type quick struct {
	types      uint8 // allowed JSON types (kind bits); 0 = any
	props      map[string]*quick
	required   []string
	additional *quick // nil: any value
	noExtra    bool   // additionalProperties: false
	items      *quick
	minItems   int
	maxItems   int // -1: none
	enumStr    []string
	enumNum    []float64
	minLen     int
	maxLen     int // -1: none
	min, max   *float64
	exclMin    bool
	exclMax    bool
	intBits    int  // 32 or 64 for integer formats, else 0
	float32    bool // format: float
	pattern    *regexp.Regexp
	allOf      []*quick

	// For objects, computed once: q and its allOf members flattened, the
	// required names of all of them, and whether all of them may be an
	// object at all.
	flat        []*quick
	allRequired []string
	objectOK    bool
}

const (
	kindNull = 1 << iota
	kindBool
	kindNumber
	kindInteger
	kindString
	kindArray
	kindObject
)

var quickCache sync.Map // *openapi3.Schema -> *quick (nil: not supported)

// quickFor compiles s once; nil when s uses a keyword the quick check does
// not implement.
func quickFor(s *openapi3.Schema) *quick {
	if v, ok := quickCache.Load(s); ok {
		q, _ := v.(*quick)
		return q
	}
	q, ok := compileQuick(s, 0)
	if !ok {
		q = nil
	}
	quickCache.Store(s, q)
	return q
}

func compileQuick(s *openapi3.Schema, depth int) (*quick, bool) {
	if s == nil || depth > 32 {
		return nil, false
	}
	if _, custom := s.Extensions[ExtListRequires]; custom {
		return nil, false // a rule beyond JSON Schema: BodyRuleProblems applies it
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 || s.Not != nil || s.MultipleOf != nil || s.UniqueItems ||
		s.MinProps != 0 || s.MaxProps != nil || s.ReadOnly || s.WriteOnly || s.Discriminator != nil ||
		s.ExclusiveMin.Value != nil || s.ExclusiveMax.Value != nil {
		return nil, false
	}
	q := &quick{maxItems: -1, maxLen: -1, minItems: int(s.MinItems), minLen: int(s.MinLength)}
	if s.MaxItems != nil {
		q.maxItems = int(*s.MaxItems)
	}
	if s.MaxLength != nil {
		q.maxLen = int(*s.MaxLength)
	}
	q.min, q.max = s.Min, s.Max
	q.exclMin, q.exclMax = s.ExclusiveMin.Bool != nil && *s.ExclusiveMin.Bool, s.ExclusiveMax.Bool != nil && *s.ExclusiveMax.Bool
	if s.Type != nil {
		if len(*s.Type) != 1 {
			return nil, false
		}
		switch t := (*s.Type)[0]; t {
		case openapi3.TypeObject:
			q.types = kindObject
		case openapi3.TypeArray:
			q.types = kindArray
		case openapi3.TypeString:
			q.types = kindString
		case openapi3.TypeNumber:
			q.types = kindNumber | kindInteger
		case openapi3.TypeInteger:
			q.types = kindInteger
		case openapi3.TypeBoolean:
			q.types = kindBool
		default:
			return nil, false
		}
		if s.Nullable {
			q.types |= kindNull
		}
	} else if s.Nullable {
		return nil, false
	}
	switch s.Format {
	case "":
	case "int32", "int64":
		if q.types != kindInteger && q.types != kindInteger|kindNull {
			return nil, false
		}
		q.intBits = 32
		if s.Format == "int64" {
			q.intBits = 64
		}
	case "float", "double":
		if q.types&kindNumber == 0 {
			return nil, false
		}
		q.float32 = s.Format == "float"
	default:
		return nil, false
	}
	for _, e := range s.Enum {
		switch v := e.(type) {
		case string:
			q.enumStr = append(q.enumStr, v)
		case float64:
			q.enumNum = append(q.enumNum, v)
		default:
			return nil, false
		}
	}
	if len(q.enumStr) > 0 && len(q.enumNum) > 0 {
		return nil, false
	}
	if s.Pattern != "" {
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return nil, false
		}
		q.pattern = re
	}
	if len(s.Properties) > 0 {
		q.props = map[string]*quick{}
		for name, ref := range s.Properties {
			p, ok := compileQuick(ref.Value, depth+1)
			if !ok {
				return nil, false
			}
			q.props[name] = p
		}
	}
	q.required = s.Required
	if ap := s.AdditionalProperties; ap.Has != nil && !*ap.Has {
		q.noExtra = true
	} else if ap.Schema != nil {
		p, ok := compileQuick(ap.Schema.Value, depth+1)
		if !ok {
			return nil, false
		}
		q.additional = p
	}
	if s.Items != nil {
		p, ok := compileQuick(s.Items.Value, depth+1)
		if !ok {
			return nil, false
		}
		q.items = p
	}
	for _, m := range s.AllOf {
		p, ok := compileQuick(m.Value, depth+1)
		if !ok {
			return nil, false
		}
		q.allOf = append(q.allOf, p)
	}
	q.flat = q.layers(nil)
	q.objectOK = true
	for _, l := range q.flat {
		if !l.allows(kindObject) || len(l.enumStr) > 0 || len(l.enumNum) > 0 {
			q.objectOK = false
		}
		q.allRequired = append(q.allRequired, l.required...)
	}
	if len(q.allRequired) > 64 {
		q.objectOK = false
	}
	return q, true
}

// QuickCheckable reports whether the quick check implements every keyword
// s uses; where it does not, QuickValid always defers to kin-openapi.
func QuickCheckable(s *openapi3.Schema) bool { return quickFor(s) != nil }

// QuickValid reports whether body is certainly valid against s: true only
// when kin-openapi would accept it too. false means "run the full check".
func QuickValid(s *openapi3.Schema, body []byte) bool {
	q := quickFor(s)
	if q == nil {
		return false
	}
	p := parser{b: body}
	p.ws()
	if !p.value(q) {
		return false
	}
	p.ws()
	return p.i == len(p.b)
}

// parser walks JSON bytes, checking each value against its schema.
type parser struct {
	b []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value checks one value against q (nil q: any value, syntax only).
func (p *parser) value(q *quick) bool {
	if p.i >= len(p.b) {
		return false
	}
	start := p.i
	var kind uint8
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(q)
	case c == '[':
		return p.array(q)
	case c == '"':
		s, escaped, ok := p.str()
		if !ok {
			return false
		}
		return q == nil || q.checkString(s, escaped)
	case c == 't':
		if !p.lit("true") {
			return false
		}
		kind = kindBool
	case c == 'f':
		if !p.lit("false") {
			return false
		}
		kind = kindBool
	case c == 'n':
		if !p.lit("null") {
			return false
		}
		kind = kindNull
	case c == '-' || (c >= '0' && c <= '9'):
		if !p.number() {
			return false
		}
		return q == nil || q.checkNumber(p.b[start:p.i])
	default:
		return false
	}
	if q == nil {
		return true
	}
	if kind == kindNull {
		// kin accepts null only where the schema is nullable (or untyped).
		if q.types != 0 && q.types&kindNull == 0 {
			return false
		}
		return len(q.enumStr) == 0 && len(q.enumNum) == 0 && q.allOfAccepts(func(m *quick) bool { return m.types == 0 || m.types&kindNull != 0 })
	}
	return q.allows(kind) && len(q.enumStr) == 0 && len(q.enumNum) == 0 && q.allOfAccepts(func(m *quick) bool { return m.allows(kind) && len(m.enumStr) == 0 && len(m.enumNum) == 0 })
}

func (q *quick) allows(kind uint8) bool { return q.types == 0 || q.types&kind != 0 }

func (q *quick) allOfAccepts(f func(*quick) bool) bool {
	for _, m := range q.allOf {
		if !f(m) {
			return false
		}
	}
	return true
}

func (p *parser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// str consumes a string and returns its raw content (between the quotes)
// and whether it holds an escape.
func (p *parser) str() ([]byte, bool, bool) {
	p.i++ // opening quote
	start, escaped := p.i, false
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			return s, escaped, true
		case c == '\\':
			escaped = true
			if p.i+1 >= len(p.b) {
				return nil, false, false
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.b) {
					return nil, false, false
				}
				for _, h := range p.b[p.i+2 : p.i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false, false
					}
				}
				p.i += 6
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			p.i++
		}
	}
	return nil, false, false
}

func (p *parser) number() bool {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return p.i > start
}

func (p *parser) object(q *quick) bool {
	if q != nil && !q.allows(kindObject) {
		return false
	}
	// The object must satisfy q and every allOf member: each key's value
	// is checked against the property schema of each, and the required
	// names of all of them must be present.
	var layers []*quick
	var required []string
	if q != nil {
		if !q.objectOK {
			return false
		}
		layers, required = q.flat, q.allRequired
	}
	p.i++           // {
	var seen uint64 // bit i: required[i] was present
	done := func() bool { return seen == (uint64(1)<<len(required))-1 }
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return done()
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return false
		}
		key, escaped, ok := p.str()
		if !ok || escaped { // an escaped key may name a property: let kin decide
			return false
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		p.ws()
		k := unsafe.String(unsafe.SliceData(key), len(key))
		for i, r := range required {
			if r == k {
				seen |= 1 << i
			}
		}
		start, end := p.i, -1
		if len(layers) == 0 {
			if !p.value(nil) {
				return false
			}
			end = p.i
		}
		for _, l := range layers {
			sub, found := l.props[k]
			if !found {
				if l.noExtra || l.caseVariant(k) {
					return false // a case variant of a property is ambiguous: let the full check decide
				}
				sub = l.additional
			}
			p.i = start
			if !p.value(sub) {
				return false
			}
			end = p.i
		}
		p.i = end
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return done()
		default:
			return false
		}
	}
}

// caseVariant reports whether k differs from one of q's properties only
// in case.
func (q *quick) caseVariant(k string) bool {
	for name := range q.props {
		if strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

// layers is q and its allOf members, flattened.
func (q *quick) layers(into []*quick) []*quick {
	into = append(into, q)
	for _, m := range q.allOf {
		into = m.layers(into)
	}
	return into
}

func (p *parser) array(q *quick) bool {
	if q != nil && (!q.allows(kindArray) || len(q.allOf) > 0) {
		return false
	}
	p.i++ // [
	var items *quick
	if q != nil {
		items = q.items
	}
	n := 0
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return q == nil || q.countOK(n)
	}
	for {
		p.ws()
		if !p.value(items) {
			return false
		}
		n++
		p.ws()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return q == nil || q.countOK(n)
		default:
			return false
		}
	}
}

func (q *quick) countOK(n int) bool {
	return n >= q.minItems && (q.maxItems < 0 || n <= q.maxItems) && len(q.enumStr) == 0 && len(q.enumNum) == 0
}

func (q *quick) checkString(raw []byte, escaped bool) bool {
	if !q.allows(kindString) || len(q.enumNum) > 0 {
		return false
	}
	constrained := len(q.enumStr) > 0 || q.minLen > 0 || q.maxLen >= 0 || q.pattern != nil
	if constrained && (escaped || !utf8.Valid(raw)) {
		return false // the decoded text differs from the raw bytes
	}
	s := unsafe.String(unsafe.SliceData(raw), len(raw))
	if len(q.enumStr) > 0 && !slices.Contains(q.enumStr, s) {
		return false
	}
	if q.minLen > 0 || q.maxLen >= 0 {
		n := utf8.RuneCountInString(s)
		if n < q.minLen || (q.maxLen >= 0 && n > q.maxLen) {
			return false
		}
	}
	if q.pattern != nil && !q.pattern.MatchString(s) {
		return false
	}
	return q.allOfAccepts(func(m *quick) bool { return m.checkString(raw, escaped) })
}

func (q *quick) checkNumber(raw []byte) bool {
	if !q.allows(kindNumber) && !q.allows(kindInteger) || len(q.enumStr) > 0 {
		return false
	}
	v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 64)
	if err != nil || math.IsInf(v, 0) {
		return false
	}
	if q.types&kindNumber == 0 && q.types != 0 { // integer only
		if v != math.Trunc(v) {
			return false
		}
	}
	if q.float32 && math.Abs(v) > math.MaxFloat32 {
		return false
	}
	switch q.intBits {
	case 32:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return false
		}
	case 64:
		if v < -(1<<53) || v > 1<<53 { // beyond exact float64 integers: let kin decide
			return false
		}
	}
	if len(q.enumNum) > 0 && !slices.Contains(q.enumNum, v) {
		return false
	}
	if q.min != nil && (v < *q.min || (q.exclMin && v == *q.min)) {
		return false
	}
	if q.max != nil && (v > *q.max || (q.exclMax && v == *q.max)) {
		return false
	}
	return q.allOfAccepts(func(m *quick) bool { return m.checkNumber(raw) })
}
