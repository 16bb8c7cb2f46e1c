package convert

import (
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// efs.go binds a volume on Amazon EFS statically: a PersistentVolume of the EFS CSI driver
// (efs.csi.aws.com) pointing at the file system (and access point), and the volume's claim
// bound to it by name. The cluster needs the EFS CSI driver and network access to the file
// system's mount targets; no StorageClass is involved.

// efsDriver is the CSI driver name of aws-efs-csi-driver.
const efsDriver = "efs.csi.aws.com"

// efsVolumeHandle is the CSI volume handle: fs-id, fs-id:/subpath or fs-id::fsap-id (ECS
// ignores rootDirectory when an access point is set).
func efsVolumeHandle(e *model.EFS) string {
	switch {
	case e.AccessPointID != "":
		return e.FileSystemID + "::" + e.AccessPointID
	case e.RootDirectory != "" && e.RootDirectory != "/":
		return e.FileSystemID + ":" + e.RootDirectory
	}
	return e.FileSystemID
}

// efsVolume returns the PersistentVolume for EFS volume v whose claim is named claim.
func (b *builder) efsVolume(v *model.Volume, claim string, spec corev1.PersistentVolumeClaimSpec) *corev1.PersistentVolume {
	e := v.EFS
	// PersistentVolumes are cluster-scoped: the namespace keeps names of different apps apart.
	name := dnsLabel(b.ns+"-"+claim, maxSubdomain, "efs")
	csi := &corev1.CSIPersistentVolumeSource{Driver: efsDriver, VolumeHandle: efsVolumeHandle(e)}
	if !e.TransitEncryption {
		// ECS leaves transit encryption off unless asked; the CSI driver turns it on by default.
		csi.VolumeAttributes = map[string]string{"encryptInTransit": "false"}
	}
	pv := &corev1.PersistentVolume{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: objectMeta(name, "", b.app.Name, ""),
		Spec: corev1.PersistentVolumeSpec{
			// EFS is elastic; Kubernetes requires a capacity, which only has to cover the claim.
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "",
			PersistentVolumeSource:        corev1.PersistentVolumeSource{CSI: csi},
			ClaimRef:                      &corev1.ObjectReference{Namespace: b.ns, Name: claim},
		},
	}
	if e.IAM {
		pv.Spec.MountOptions = []string{"tls", "iam"}
	}
	return pv
}

// bindEFS binds claim spec to the EFS PersistentVolume and emits the volume, accounting v.
func (b *builder) bindEFS(v *model.Volume, claim string, spec *corev1.PersistentVolumeClaimSpec) {
	pv := b.efsVolume(v, claim, *spec)
	empty := ""
	spec.StorageClassName = &empty
	spec.VolumeName = pv.Name
	spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	b.emit(pv)
	what := "file system " + v.EFS.FileSystemID
	if v.EFS.AccessPointID != "" {
		what += " (access point " + v.EFS.AccessPointID + ")"
	}
	b.ledger.Mapped("", v.EFS.Field, "PersistentVolume/"+pv.Name+" spec.csi", "PersistentVolumeClaim/"+claim+" spec.volumeName")
	b.ledger.Infof("", v.EFS.Field, "volume %s mounts EFS %s through a static PersistentVolume %s: the cluster needs the "+
		"EFS CSI driver (%s) and network access to the file system's mount targets", v.Name, what, pv.Name, efsDriver)
}
