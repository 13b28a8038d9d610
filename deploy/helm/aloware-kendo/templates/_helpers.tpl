{{/* The release's objects are named after the release, the chart's name once. */}}
{{- define "aloware-kendo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aloware-kendo.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aloware-kendo.labels" -}}
{{ include "aloware-kendo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "aloware-kendo.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "aloware-kendo.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "aloware-kendo.fullname" .) -}}
{{- end -}}

{{- define "aloware-kendo.postgres" -}}
{{- if eq .Values.database.mode "postgres" -}}true{{- else if eq .Values.database.mode "sqlite" -}}{{- else -}}
{{- fail (printf "database.mode must be sqlite or postgres, not %q" .Values.database.mode) -}}
{{- end -}}
{{- end -}}

{{/*
The environment of serve and migrate: secrets by reference to the Secret (never as
values), the database, and the plain settings.
*/}}
{{- define "aloware-kendo.env" -}}
{{- $secret := include "aloware-kendo.secretName" . -}}
- name: ALOWARE_KENDO_DB
{{- if include "aloware-kendo.postgres" . }}
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: database-url}
{{- else }}
  value: sqlite:/data/aloware-kendo.db
{{- end }}
{{- range $env, $key := dict "KENDO_API_KEY" "kendo-api-key" "ALOWARE_KENDO_INBOUND_TOKEN" "inbound-token" "ALOWARE_KENDO_KENDO_WEBHOOK_SECRET" "kendo-webhook-secret" "ALOWARE_KENDO_UI_BASIC" "ui-basic" }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: {{ $key }}, optional: true}
{{- end }}
- name: ALOWARE_KENDO_SHUTDOWN_TIMEOUT
  value: {{ printf "%ds" (int .Values.shutdownTimeoutSeconds) | quote }}
{{- with .Values.allowedHosts }}
- name: ALOWARE_KENDO_ALLOWED_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "aloware-kendo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "aloware-kendo.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
