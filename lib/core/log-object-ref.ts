/** A log object named by a trigger. Keys are decoded: ready for GetObject. */
export interface LogObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}
