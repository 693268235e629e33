/**
 * The parts of a CloudTrail record that cleartrail reads. Every field is optional because
 * CloudTrail's schema grew over the years (eventVersion 1.0 to 1.11) and the analyzer must
 * accept all of them; `verdict.ts` and `source.ts` decide what a missing field means.
 */
export interface CloudTrailRecord {
  eventVersion?: string;
  eventSource?: string;
  eventType?: string;
  eventName?: string;
  eventTime?: string;
  eventID?: string;
  /** Same value in the requester's and the bucket owner's copy of a cross-account call. */
  sharedEventID?: string;
  recipientAccountId?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  sessionCredentialFromConsole?: string;
  userIdentity?: UserIdentity | null;
  requestParameters?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown> | null;
  tlsDetails?: TlsDetails | null;
  resources?: Array<{ type?: string; ARN?: string; accountId?: string }> | null;
}

export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    /** `1.0`/`2.0` when the credentials came from EC2 instance metadata. */
    ec2RoleDelivery?: string;
    sessionIssuer?: { type?: string; arn?: string; userName?: string; accountId?: string };
    sourceIdentity?: string;
  } | null;
}

export interface TlsDetails {
  tlsVersion?: string;
  cipherSuite?: string;
  clientProvidedHostHeader?: string;
  keyExchange?: string;
}

export const S3_EVENT_SOURCE = 's3.amazonaws.com';
