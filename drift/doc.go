// Package drift compares the vendors' documentation with the project's
// specs and reports every difference that no declaration accounts for.
//
// It reads two kinds of documentation:
//
//   - NXCloud's API wiki pages, one Markdown file each. Pages come in two
//     shapes: proper Markdown with GFM pipe tables, and the text of a page
//     copied from the rendered wiki, which has no blank lines and puts every
//     table cell on a line of its own ("| accessKey |", "String |", …). Both
//     are parsed with goldmark and its GFM table extension; the page is then
//     read as a sequence of text lines and tables (see blocks). The text
//     shape is rebuilt from that sequence, not from the raw bytes: GFM
//     continues a table over pipe-less lines, so such a line ends a table
//     again, and a run of cell lines whose first cells name columns
//     (Parameter, Type, Required, …) becomes a table with that many columns.
//   - EngageLab's OpenAPI JSON files (the layout of otp/api/ in EngageLab's
//     OTP docs repository), loaded with kin-openapi.
//
// From each page it takes the URL and method, the Content-Type, the
// bizType and action of the header table (or of the request example's
// KEY/VALUE table; where the two disagree, both: "5/6"), the request
// parameters (name, type, required), the response fields (a sub-table
// such as "data parameters" becomes data.x) and the result codes
// ("1000~100X" is the range 1000–1009). Every table of a request (or callback) is read: a
// later one describes the object, or each element of the list, of the
// field its label names ("- template object parameters", "**basic**",
// "CallListItem Parameters": by the field's name, its plural, or a word of
// its type), and one whose label names no field adds fields to the top
// level (a variant's table, "2. Voice verification"). A query table
// ("Params Parameters") is a request table. A response's sub-tables are
// found the same way, at any depth ("- cursors object parameters" under
// paging); one whose label names no field continues the sub-table before
// it ("Additional Fields Returned for HLR Check"), else describes the
// first table's one object field, or, repeating some of the first
// table's fields, is a variant of it. A field two tables repeat keeps its
// first row; a type they disagree on is both ("string/integer"), a
// required-ness they disagree on is "required in one table, optional in
// another", so an edit of either row is a difference. A link line ("Refer
// to the text request example") is no section label. A callback page may document
// several callbacks, each under a URL label that names no address; the
// catalogue then gives one schema each. A page with a parameter table of
// which drift reads no field is itself a finding (unparsed). Each documented endpoint is matched to the operation of
// any embedded spec with the same method and path (specs.Document.Match),
// and the two are compared field by field. Arrays are transparent: the
// fields of a list's elements sit under the list's own path, as a page's
// sub-table describes them. A spec field below a documented one is only
// compared when the page documents some field at that level, and
// "required" only when both sides state it (an OpenAPI object without a
// required list states nothing). Result codes are compared with the spec's
// ResultCode/ErrorCode catalogue: a documented code the catalogue lacks is
// reported for the page (a callback page's codes count for its schema's
// spec), a catalogue code that none of the spec's pages
// documents for the spec. EngageLab's response statuses are compared per
// operation. The Content-Type is compared when the operation has a request
// body, and the URL's scheme and host with the spec's server. A page that
// gives no URL for an endpoint it should have is itself a finding, so that
// a parser miss cannot pass for a clean check.
//
// Differences that are known and reasoned are declared in the spec, next
// to what they concern, in an x-doc-divergences list (see Declaration) on
// an operation, a schema or property, or the code catalogue; each entry
// names the kind, the documentation's fact and the reason. NXCloud pages
// without a spec yet are declared in pages.yaml, embedded here, with a
// reason. A declaration that no finding needs any more is itself reported
// (stale), so is a pending page that a spec now covers, and so is a
// declaration on an NXCloud spec's schema that no compared operation or
// callback reaches (nothing could find it stale): declarations are
// removed as the specs catch up.
//
// Why goldmark: it is the most widely used CommonMark parser in Go, kept
// up to date, with no dependencies, and its GFM table extension yields
// table cells as nodes whose source positions are known, which is what
// the text shape needs. blackfriday is unmaintained and gomarkdown's
// tables are less strict about GFM.
package drift
