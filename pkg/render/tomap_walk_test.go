package render

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestWalkMatchesJSON: the walker gives what JSON marshalling gives, without falling back to
// it, on Kubernetes objects (quantities, int-or-strings, times, byte data, pointers, raw
// extensions) and on values that exercise encoding/json's rules one by one.
func TestWalkMatchesJSON(t *testing.T) {
	for name, v := range walkCases() {
		t.Run(name, func(t *testing.T) {
			w := walker{cache: &typeCache{}}
			got, err := w.value(reflect.ValueOf(v))
			if err != nil {
				t.Fatalf("walker: %v", err)
			}
			want, err := toMapJSON(v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, any(want)) {
				t.Errorf("walker differs from JSON:\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

// TestWalkDefersToJSON: what the walker does not implement goes through encoding/json, and
// errors are JSON's.
func TestWalkDefersToJSON(t *testing.T) {
	type inner struct{ A int }
	type other struct{ A string }
	type ambiguous struct {
		inner
		other
		B int `json:"b"`
	}
	type quoted struct {
		N int `json:"n,string"`
	}
	for name, v := range map[string]any{"ambiguous": &ambiguous{B: 1}, "string option": &quoted{N: 5}} {
		w := walker{cache: &typeCache{}}
		if _, err := w.value(reflect.ValueOf(v)); !errors.Is(err, errUseJSON) {
			t.Errorf("%s: walker error %v, want errUseJSON", name, err)
		}
		got, err := ToMap(v)
		want, werr := toMapJSON(v)
		if err != nil || werr != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ToMap %#v (%v), JSON %#v (%v)", name, got, err, want, werr)
		}
	}
	type bad struct {
		F float64 `json:"f"`
	}
	if _, err := ToMap(&bad{F: math.Inf(1)}); err == nil {
		t.Error("an infinite float converted")
	}
}

type textKey struct{ a, b string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.a + "/" + k.b), nil }

// letter is a byte that marshals itself, so a slice of it is not base64.
type letter byte

func (l letter) MarshalText() ([]byte, error) { return []byte{'<', byte(l), '>'}, nil }

type ptrMarshaler struct{ n int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(`{"n":` + string(rune('0'+p.n)) + `}`), nil
}

type Embedded struct {
	E string `json:"e,omitempty"`
}

type rules struct {
	*Embedded
	Named    Embedded `json:"named"`
	Untagged int      // name from the field
	Skipped  int      `json:"-"`
	//lint:ignore SA5008 encoding/json's rule: "-," names the field "-"; the walker must agree
	Dash      int                     `json:"-,"`
	unexp     int                     //nolint:unused // must not appear
	Empty     string                  `json:"empty,omitempty"`
	ZeroInt   int                     `json:"zeroInt,omitempty"`
	ZeroF     float64                 `json:"zeroF,omitempty"`
	NilPtr    *int                    `json:"nilPtr,omitempty"`
	NilPtrOut *int                    `json:"nilPtrOut"`
	NilMap    map[string]int          `json:"nilMap"`
	NilSlice  []string                `json:"nilSlice"`
	EmptySl   []string                `json:"emptySl,omitempty"`
	Bytes     []byte                  `json:"bytes"`
	Arr       [2]uint8                `json:"arr"`
	Floats    []float64               `json:"floats"`
	F32       float32                 `json:"f32"`
	U64       uint64                  `json:"u64"`
	Bad       string                  `json:"bad"`
	TextKeys  map[textKey]int         `json:"textKeys"`
	IntKeys   map[int]string          `json:"intKeys"`
	Iface     any                     `json:"iface"`
	PtrM      ptrMarshaler            `json:"ptrM"`
	PtrMs     []ptrMarshaler          `json:"ptrMs"`
	PtrMMap   map[string]ptrMarshaler `json:"ptrMMap"`
	//lint:ignore SA5008 a tag encoding/json cannot parse: the walker must fall back as it does
	BadTag  int      `json:"a\"b"`
	Letters []letter `json:"letters"`
}

func walkCases() map[string]any {
	one := int32(1)
	r := &rules{
		Named: Embedded{E: "x"}, Untagged: 3, Skipped: 4, Dash: 5, unexp: 6,
		Bytes: []byte("secret\x00"), Arr: [2]uint8{7, 8},
		Floats: []float64{1, math.Copysign(0, -1), 1.5, 1e21, 1e-7, 123456789012345678, math.MaxFloat64},
		F32:    0.1, U64: math.MaxUint64, Bad: "a\xffb\xfe",
		TextKeys: map[textKey]int{{"x", "y"}: 1}, IntKeys: map[int]string{-2: "m"},
		Iface: map[string]any{"k": []any{int8(1), "s", nil, 2.5}},
		PtrM:  ptrMarshaler{1}, PtrMs: []ptrMarshaler{{2}}, PtrMMap: map[string]ptrMarshaler{"v": {3}},
		BadTag: 9, Letters: []letter{'a', 'b'},
	}
	withEmbedded := *r
	withEmbedded.Embedded = &Embedded{E: "in"}
	return map[string]any{
		"rules":          r,
		"rules embedded": &withEmbedded,
		"deployment": &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
			Spec: appsv1.DeploymentSpec{
				Replicas: &one,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "nginx:1.27",
					Ports: []corev1.ContainerPort{{ContainerPort: 80}},
					Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
						corev1.ResourceMemory: resource.MustParse("256Mi"), corev1.ResourceCPU: resource.MustParse("0.5")}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
						Path: "/", Port: intstr.FromString("http")}}, PeriodSeconds: 5},
				}}}},
			},
		},
		"secret": &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: "s", CreationTimestamp: metav1.Unix(1700000000, 0)},
			Data:       map[string][]byte{"k": []byte("v\n")}, StringData: map[string]string{"a": "b"},
		},
		"hpa": &autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			MaxReplicas: 3, Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &one}}}}}},
		"list": &corev1.List{Items: []runtime.RawExtension{{Raw: []byte(`{"kind":"X","n":1.0}`)}}},
		"service": &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Port: 443, TargetPort: intstr.FromInt32(8443)}}}},
	}
}

// TestSimpleJSON: the decoder-free path gives what the decoder gives, and leaves everything
// else to it.
func TestSimpleJSON(t *testing.T) {
	for _, in := range []string{`null`, `"256Mi"`, `""`, `"a\"b"`, `"\u00e9"`, "\"\xff\"", "\"a\tb\"", `0`, `-0`, `-01`, `12`,
		`-9223372036854775808`, `9223372036854775808`, `1.5`, `1e3`, `true`, `{"a":1}`, `[1]`, `"x`, `x"`} {
		got, ok := simpleJSON([]byte(in))
		if !ok {
			continue
		}
		want, err := fixNumber(mustDecode(t, in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: simpleJSON %#v, decoder %#v (%v)", in, got, want, err)
		}
	}
	for _, in := range []string{`null`, `"256Mi"`, `12`} {
		if _, ok := simpleJSON([]byte(in)); !ok {
			t.Errorf("%s: not taken by the simple path", in)
		}
	}
}

func mustDecode(t *testing.T, in string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(in))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	return v
}

// zeroByMethod is zero when its IsZero says so, whatever its fields.
type zeroByMethod struct{ N int }

func (z zeroByMethod) IsZero() bool { return z.N < 0 }

// TestWalkOmitZero: the walker's omitzero agrees with encoding/json's: the IsZero method when the
// type has one (value or pointer receiver), else the zero value; nil pointers are zero.
func TestWalkOmitZero(t *testing.T) {
	type s struct {
		A int             `json:"a,omitzero"`
		B zeroByMethod    `json:"b,omitzero"`
		C *zeroByMethod   `json:"c,omitzero"`
		D struct{ X int } `json:"d,omitzero"`
		E []int           `json:"e,omitzero"`
		F string          `json:"f,omitempty,omitzero"`
	}
	for _, v := range []*s{{}, {A: 1, B: zeroByMethod{N: -1}, C: &zeroByMethod{N: -2}, E: []int{}}, {B: zeroByMethod{N: 0}, C: &zeroByMethod{N: 3}, D: struct{ X int }{1}, F: "x"}} {
		w := walker{cache: &typeCache{}}
		got, err := w.value(reflect.ValueOf(v))
		if err != nil {
			t.Fatalf("%+v: walker: %v", v, err)
		}
		want, err := toMapJSON(v)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: walker %#v, JSON %#v (%v)", v, got, want, err)
		}
	}
}
