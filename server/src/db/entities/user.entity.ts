import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const USER_ROLES = ['admin', 'district', 'school', 'teacher', 'parent'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A person who logs in. Scope: district → districtId, school → schoolId, teacher → user_classes, parent → user_students. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) username!: string;
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  @Column('text') role!: UserRole;
  @Column('uuid', { name: 'district_id', nullable: true }) districtId!: string | null;
  @Column('uuid', { name: 'school_id', nullable: true }) schoolId!: string | null;
  @Column('text', { name: 'display_name', nullable: true }) displayName!: string | null;
  @Column('boolean', { default: true }) active!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity('user_classes')
export class UserClass {
  @PrimaryColumn('uuid', { name: 'user_id' }) userId!: string;
  @PrimaryColumn('uuid', { name: 'class_id' }) classId!: string;
}

@Entity('user_students')
export class UserStudent {
  @PrimaryColumn('uuid', { name: 'user_id' }) userId!: string;
  @PrimaryColumn('uuid', { name: 'student_id' }) studentId!: string;
}
